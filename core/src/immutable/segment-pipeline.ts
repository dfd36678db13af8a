import { HASH_LENGTH } from '../crypto/hash.js';
import { merkleRoot } from '../merkle/hash-tree.js';
import { SlotPool } from '../util/slot-pool.js';
import { concatBytes } from '../util/bytes.js';
import { UploadError, type GridContext } from '../grid/context.js';
import type { PositionalSink } from '../storage/node.js';
import type { FileSpan } from '../util/byte-source.js';
import type {
  BlockDestination,
  BlockFileTarget,
  BlockWriteFailure,
  EncodedInto,
  SegmentHashes,
} from './segment-codec.js';
import { roundUp, type EncodingParams } from './params.js';
import { encodeUeb } from './ueb.js';
import type { OutgoingShare, ShareFanout } from './share-writers.js';

const ZERO_IV = new Uint8Array(16);

export interface SegmentPipelineOptions {
  readonly aesKey: Uint8Array;
  readonly k: number;
  readonly n: number;
  /** Plaintext bytes of every segment but the last. */
  readonly segmentSize: number;
  /** Segments in flight at most (each holds one slot of plaintext, plus its n blocks unless the workers write them). */
  readonly depth: number;
  /** Bytes each share takes for the segments at least (whether it is worth lending its file). */
  readonly expectedShareBytes: number;
  /** Called once a segment's blocks are written, with the plaintext bytes written so far. */
  readonly onWritten?: (plaintextBytes: number) => void;
  /**
   * Below `happy`, go on writing every dispatched segment to the shares left while at least k
   * remain, instead of skipping the rest: the upload has failed all the same (`failed`, `drain`),
   * but what it took can still be read back (StreamingUpload.readBack).
   */
  readonly keepReadable?: boolean;
}

/** What the pipeline wrote for one segment: enough to read it back and check it. */
export interface CodedSegment {
  /** Plaintext bytes of the segment. */
  readonly length: number;
  /** n × 32 bytes: the hash of each block. */
  readonly blockHashes: Uint8Array;
  readonly segmentHash: Uint8Array;
}

/**
 * Segments in, share blocks out: each segment is encrypted, coded and hashed on the workers and
 * its blocks appended to the shares in segment order. Reading, coding and writing overlap: the
 * caller fills the next slot while earlier segments are coded or written (or, for a file, hands
 * the worker a span of it to read itself, the slot then only counting), and the slots bound
 * memory whatever the file size. Shared by the upload of a known source and by the upload that
 * streams a file while a client still writes it (StreamingUpload).
 *
 * When every share lends its file (ShareWriter.positionalSink: local nodes, for shares too big to
 * pack), the worker that codes a segment also writes its blocks, at their final offsets, from its
 * own memory, with no copy into the slot and no write queued on the event loop. 1 GiB put, 12
 * paired rounds against coding into the slot: median 2.62 → 2.50 s, CPU 3.98 → 3.82 s, and peak
 * RSS 134 → 120 MB, as each slot shrinks from 2.67 MiB to 1 MiB. Blocks sit at
 * fixed offsets (every segment but the last has the same block size), so the order in which
 * workers finish does not matter; what the shares are told, and what is recorded, still goes in
 * segment order.
 */
export class SegmentPipeline {
  private readonly slots: SlotPool;
  /** Handing each coded segment's blocks to the shares, in segment order (see dispatch). */
  private issued: Promise<void> = Promise.resolve();
  /** Each segment written and recorded, in segment order. */
  private writes: Promise<void> = Promise.resolve();
  /** Nothing more is written (a write or a coding failed, or too few shares to read back). */
  private failure: { error: unknown } | undefined;
  /** Below `happy` with `keepReadable`: the upload has failed, but writing goes on. */
  private unhappy: { error: unknown } | undefined;
  private readonly segmentHashes: Uint8Array[] = [];
  private readonly blockHashesBySegment: Uint8Array[] = [];
  private readonly segmentLengths: number[] = [];
  private plaintextWritten = 0;
  /** Where a slot's blocks start: 64-byte aligned, so copies into the slot go word by word (copyBytes). */
  private readonly blocksAt: number;
  /** Segments handed to `dispatch` so far. */
  private dispatched = 0;

  private constructor(
    private readonly ctx: GridContext,
    private readonly fanout: ShareFanout,
    private readonly options: SegmentPipelineOptions,
    /** The shares' lent files (see the class), released by close(). */
    private readonly sinks: ReadonlyMap<OutgoingShare, PositionalSink> | undefined,
  ) {
    const { segmentSize, k, n, depth } = options;
    this.blocksAt = roundUp(segmentSize, 64);
    this.slots = new SlotPool(
      sinks === undefined ? this.blocksAt + n * (segmentSize / k) : segmentSize,
      depth,
    );
  }

  static async open(
    ctx: GridContext,
    fanout: ShareFanout,
    options: SegmentPipelineOptions,
  ): Promise<SegmentPipeline> {
    const sinks = await fanout.lendSinks(options.expectedShareBytes);
    return new SegmentPipeline(ctx, fanout, options, sinks);
  }

  /** Set once a write failed or the shares fell below `happy`. */
  get failed(): boolean {
    return this.failure !== undefined || this.unhappy !== undefined;
  }

  /** Segment `index` as written to the shares; undefined when it was not (yet, or ever). */
  codedSegment(index: number): CodedSegment | undefined {
    const length = this.segmentLengths[index];
    const blockHashes = this.blockHashesBySegment[index];
    const segmentHash = this.segmentHashes[index];
    if (length === undefined || blockHashes === undefined || segmentHash === undefined) return undefined;
    return { length, blockHashes, segmentHash };
  }

  /** A slot whose first `segmentSize` bytes take the next segment's plaintext; waits while all are busy. */
  acquire(): Promise<Uint8Array> {
    return this.slots.acquire();
  }

  /** Gives a slot back unused (the caller stopped before dispatching it). */
  release(slot: Uint8Array): void {
    this.slots.release(slot);
  }

  /** Whether `dispatch` may be given the plaintext as a FileSpan (see SegmentWork.offThread). */
  readsFiles(length: number): boolean {
    return this.ctx.work.offThread(length);
  }

  /**
   * Codes `slot[0, length)` as the next segment, or the span `from` when given (readsFiles), with
   * the slot then only counting against the depth; its blocks follow the earlier segments'.
   */
  dispatch(slot: Uint8Array, length: number, from?: FileSpan): void {
    const { k, n, segmentSize, aesKey } = this.options;
    const segment = this.dispatched++;
    const blockSize = roundUp(length, k) / k;
    // Into the slot, or into the files of the shares still live (a failed share's file may be gone).
    const output: BlockDestination =
      this.sinks === undefined
        ? { memory: slot.subarray(this.blocksAt, this.blocksAt + n * blockSize) }
        : { files: this.fileTargets(segment * (segmentSize / k)) };
    const encoded = this.ctx.work.encodeInto({
      plaintext: from ?? slot.subarray(0, length),
      output,
      aesKey,
      iv: ZERO_IV,
      offset: segment * segmentSize,
      k,
      n,
      blockSize,
    });
    encoded.catch(() => undefined); // seen through `writes` below
    // A segment's blocks go to the shares as soon as it is coded and the segment before it was
    // handed over, without waiting for that one's writes to finish: the writers then gather
    // several segments into one system call (LocalShareWriter.write), and they keep call order.
    // A coding failure rejects this step and, through `issued`, every later one: nothing is
    // handed over after a gap.
    const issue = this.issued.then(async () => {
      const hashes = await encoded;
      if (this.failure !== undefined) return undefined;
      const written =
        'memory' in output
          ? this.fanout.writeAll((shnum) =>
              output.memory.subarray(shnum * blockSize, (shnum + 1) * blockSize),
            )
          : this.reportWritten(output.files, hashes, blockSize);
      return { hashes, written };
    });
    this.issued = issue.then(() => undefined);
    this.issued.catch(() => undefined); // seen through `writes` below
    // Recorded in segment order once written. The slot comes back only when neither its coding
    // nor any write of it is pending any more, even after a failure: a worker may still be coding
    // from or into it (a failure before it skips its issue step at once), or a writer copying from it.
    // A slot given back early would go, through close(), to another upload or download.
    this.writes = this.writes
      .then(async () => {
        const step = await issue;
        if (step === undefined) return;
        await step.written;
        this.record(length, step.hashes);
      })
      .finally(async () => {
        await encoded.catch(() => undefined);
        await issue.then((step) => step?.written).catch(() => undefined);
        this.slots.release(slot);
      });
    this.writes.catch((error: unknown) => (this.failure ??= { error }));
  }

  /** Waits for every dispatched segment to be written; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    const failure = this.failure ?? this.unhappy;
    if (failure !== undefined) throw failure.error;
  }

  /** Waits for every dispatched segment to be written or skipped, whatever happened. */
  async settle(): Promise<void> {
    await this.writes.catch(() => undefined);
  }

  /**
   * Once nothing more is dispatched: settles, gives the lent share files back (no worker writes to
   * them any more), then lets the next pipeline reuse the slots.
   */
  async close(): Promise<void> {
    await this.settle();
    await Promise.all([...(this.sinks?.values() ?? [])].map((sink) => sink.release()));
    this.slots.close();
  }

  /** Where a segment whose blocks start `offset` bytes into the shares' segment area goes. */
  private fileTargets(offset: number): BlockFileTarget[] {
    const targets: BlockFileTarget[] = [];
    for (const [share, sink] of this.sinks ?? []) {
      if (!share.failed) targets.push({ shnum: share.shnum, fd: sink.fd, position: sink.base + offset });
    }
    return targets;
  }

  /** Tells each share what a worker wrote to it, or fails the share whose write failed. */
  private async reportWritten(
    files: readonly BlockFileTarget[],
    coded: EncodedInto,
    blockSize: number,
  ): Promise<void> {
    const failures = new Map(coded.writeFailures.map((failure) => [failure.shnum, failure]));
    await Promise.all(
      [...(this.sinks ?? [])].map(async ([share, sink]) => {
        const target = files.find((file) => file.shnum === share.shnum);
        if (target === undefined || share.failed) return;
        const failure = failures.get(share.shnum);
        try {
          if (failure === undefined) sink.wrote(target.position - sink.base + blockSize);
          else throw sink.failed(writeError(failure));
        } catch (error) {
          await this.fanout.fail(share, error);
        }
      }),
    );
  }

  /**
   * Once every segment of a file with these parameters is dispatched: appends the hash lists
   * and the extension block (UEB) to every share and returns the UEB. Commit is the caller's.
   */
  async appendHashes(params: EncodingParams): Promise<Uint8Array> {
    await this.drain();
    if (this.segmentHashes.length !== params.numSegments)
      throw new Error(`coded ${this.segmentHashes.length} segments of ${params.numSegments}`);
    const blockLeaves = (shnum: number): Uint8Array[] =>
      this.blockHashesBySegment.map((hashes) =>
        hashes.subarray(shnum * HASH_LENGTH, (shnum + 1) * HASH_LENGTH),
      );
    const shareLeaves = Array.from({ length: params.n }, (_, shnum) => merkleRoot(blockLeaves(shnum)));
    const ueb = encodeUeb({
      params,
      shareRoot: merkleRoot(shareLeaves),
      crypttextRoot: merkleRoot(this.segmentHashes),
    });
    const crypttextLeaves = concatBytes(this.segmentHashes);
    const shareLeafBytes = concatBytes(shareLeaves);
    await this.fanout.writeAll((shnum) =>
      concatBytes([concatBytes(blockLeaves(shnum)), crypttextLeaves, shareLeafBytes, ueb]),
    );
    ensureHappy(this.ctx, this.fanout);
    return ueb;
  }

  private record(length: number, hashes: SegmentHashes): void {
    // Recorded before the check below: the blocks are on every share still live.
    this.segmentHashes.push(hashes.segmentHash);
    this.blockHashesBySegment.push(hashes.blockHashes);
    this.segmentLengths.push(length);
    this.plaintextWritten += length;
    this.options.onWritten?.(this.plaintextWritten);
    try {
      ensureHappy(this.ctx, this.fanout);
    } catch (error) {
      if (this.options.keepReadable !== true || this.fanout.live.length < this.options.k) throw error;
      this.unhappy ??= { error };
    }
  }
}

/** A worker's failed write as the error the write would have thrown on this thread. */
function writeError(failure: BlockWriteFailure): Error {
  return Object.assign(new Error(failure.message), failure.code === undefined ? {} : { code: failure.code });
}

export function ensureHappy(ctx: GridContext, fanout: ShareFanout): void {
  const achieved = fanout.happiness();
  if (achieved < ctx.encoding.happy) {
    throw new UploadError(unhappyMessage(achieved, ctx.encoding.happy, ctx.nodes.length), fanout.problems);
  }
}

export function unhappyMessage(achieved: number, happy: number, nodeCount: number): string {
  return (
    `upload failed: shares reached only ${achieved} distinct storage node(s) but ${happy} are required ` +
    `(${nodeCount} node(s) configured)`
  );
}
