import { chkAesKey, chkStorageIndex } from '../caps/derive.js';
import { LIT_MAX_SIZE, type ChkReadCap, type LitCap } from '../caps/cap.js';
import { HASH_LENGTH } from '../crypto/hash.js';
import { merkleRoot } from '../merkle/hash-tree.js';
import { stat } from 'node:fs/promises';
import { readSequentially, SourceChangedError, type ByteSource } from '../util/byte-source.js';
import { SlotPool } from '../util/slot-pool.js';
import { concatBytes } from '../util/bytes.js';
import { UploadError, type GridContext, type ShareProblem } from '../grid/context.js';
import type { SegmentHashes } from './segment-codec.js';
import { CONVERGENCE_CHUNK, convergentKey, randomReadKey } from './convergence.js';
import { blockLength, encodingParams, segmentLength, type EncodingParams } from './params.js';
import { encodeChkHeader } from './share-layout.js';
import { encodeUeb, uebHash } from './ueb.js';
import { ShareFanout } from './share-writers.js';

export type KeyChoice =
  | {
      readonly convergenceSecret: Uint8Array;
      /**
       * The content's convergence chunk hashes when the caller already has them (hashed while the
       * file was written): spares a pass over the whole source.
       */
      readonly chunkHashes?: readonly Uint8Array[];
    }
  | 'random';

export interface UploadOptions {
  readonly key: KeyChoice;
  readonly onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface UploadReport {
  readonly cap: ChkReadCap | LitCap;
  /** Where each share went (empty for LIT). */
  readonly placements: ReadonlyArray<{ readonly shnum: number; readonly nodeId: string }>;
  readonly happiness: number;
  /** Nodes or shares that failed during the upload; repair restores what they would have held. */
  readonly problems: readonly ShareProblem[];
}

const ZERO_IV = new Uint8Array(16);

/** Uploads an immutable file: LIT when it is tiny, otherwise CHK shares streamed to the nodes. */
export async function uploadImmutable(
  ctx: GridContext,
  source: ByteSource,
  options: UploadOptions,
): Promise<UploadReport> {
  if (source.size <= LIT_MAX_SIZE) {
    const pieces: Uint8Array[] = [];
    for await (const piece of source.open()) pieces.push(piece);
    const data = concatBytes(pieces);
    if (data.length !== source.size) throw new Error('the content changed while it was read');
    return { cap: { kind: 'lit', data }, placements: [], happiness: 0, problems: [] };
  }
  const params = encodingParams(source.size, ctx.encoding, ctx.maxSegmentSize);
  const key =
    options.key === 'random'
      ? randomReadKey()
      : convergentKey(
          options.key.convergenceSecret,
          params,
          options.key.chunkHashes?.length === Math.ceil(source.size / CONVERGENCE_CHUNK)
            ? options.key.chunkHashes
            : await hashContent(ctx, source),
        );
  const storageIndex = chkStorageIndex(key);
  const fanout = await ShareFanout.open(ctx.nodes, storageIndex, params.n);
  try {
    const ueb = await streamShares(ctx, source, params, chkAesKey(key), fanout, options.onProgress);
    const achieved = fanout.happiness();
    if (achieved < ctx.encoding.happy) {
      await fanout.deleteCommitted(storageIndex);
      throw new UploadError(unhappyMessage(achieved, ctx.encoding.happy, ctx.nodes.length), fanout.problems);
    }
    return {
      cap: { kind: 'chk-read', key, uebHash: uebHash(ueb), k: params.k, n: params.n, size: params.size },
      placements: fanout.live.map((share) => ({ shnum: share.shnum, nodeId: share.node.id })),
      happiness: achieved,
      problems: fanout.problems,
    };
  } catch (error) {
    await fanout.abortAll();
    throw error;
  }
}

function unhappyMessage(achieved: number, happy: number, nodeCount: number): string {
  return (
    `upload failed: shares reached only ${achieved} distinct storage node(s) but ${happy} are required ` +
    `(${nodeCount} node(s) configured)`
  );
}

/** Encodes segment after segment on the workers and streams each block to its share. */
async function streamShares(
  ctx: GridContext,
  source: ByteSource,
  params: EncodingParams,
  aesKey: Uint8Array,
  fanout: ShareFanout,
  onProgress: UploadOptions['onProgress'],
): Promise<Uint8Array> {
  await fanout.writeAll((shnum) => encodeChkHeader({ shnum, params }));
  ensureHappy(ctx, fanout);

  const segmentHashes: Uint8Array[] = [];
  const blockHashesBySegment: Uint8Array[] = [];
  // Reading, encoding (on the workers) and writing overlap: the loop reads and dispatches while
  // earlier segments are still being encoded or written. Writes stay in segment order (shares
  // are appended); the slots bound memory whatever the file size.
  const slots = new SlotPool(params.segmentSize + params.n * params.blockSize, 6);
  let done = 0;
  let writes: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const write = async (blocks: Uint8Array, blockSize: number, hashes: SegmentHashes): Promise<void> => {
    await fanout.writeAll((shnum) => blocks.subarray(shnum * blockSize, (shnum + 1) * blockSize));
    ensureHappy(ctx, fanout);
    segmentHashes.push(hashes.segmentHash);
    blockHashesBySegment.push(hashes.blockHashes);
    done += params.segmentSize;
    onProgress?.(Math.min(done, params.size), params.size);
  };

  const input = await readSequentially(source);
  try {
    for (let segment = 0; segment < params.numSegments && failure === undefined; segment++) {
      const slot = await slots.acquire();
      const plaintext = slot.subarray(0, segmentLength(params, segment));
      await input.fill(plaintext);
      const blockSize = blockLength(params, segment);
      const blocks = slot.subarray(params.segmentSize, params.segmentSize + params.n * blockSize);
      const encoded = ctx.work.encodeInto({
        plaintext,
        output: blocks,
        aesKey,
        iv: ZERO_IV,
        offset: segment * params.segmentSize,
        k: params.k,
        n: params.n,
        blockSize,
      });
      encoded.catch(() => undefined); // seen through `writes` below
      // The slot comes back once its blocks are written, or once an earlier failure skipped them.
      writes = writes
        .then(async () => write(blocks, blockSize, await encoded))
        .finally(() => slots.release(slot));
      writes.catch((error: unknown) => (failure ??= { error }));
    }
    await writes;
    await input.finish();
  } finally {
    await input.close();
  }

  const blockLeaves = (shnum: number): Uint8Array[] =>
    blockHashesBySegment.map((hashes) => hashes.subarray(shnum * HASH_LENGTH, (shnum + 1) * HASH_LENGTH));
  const shareLeaves = Array.from({ length: params.n }, (_, shnum) => merkleRoot(blockLeaves(shnum)));
  const ueb = encodeUeb({
    params,
    shareRoot: merkleRoot(shareLeaves),
    crypttextRoot: merkleRoot(segmentHashes),
  });
  const crypttextLeaves = concatBytes(segmentHashes);
  const shareLeafBytes = concatBytes(shareLeaves);
  await fanout.writeAll((shnum) =>
    concatBytes([concatBytes(blockLeaves(shnum)), crypttextLeaves, shareLeafBytes, ueb]),
  );
  await fanout.commitAll();
  return ueb;
}

function ensureHappy(ctx: GridContext, fanout: ShareFanout): void {
  const achieved = fanout.happiness();
  if (achieved < ctx.encoding.happy) {
    throw new UploadError(unhappyMessage(achieved, ctx.encoding.happy, ctx.nodes.length), fanout.problems);
  }
}

/** The per-chunk hashes a convergent key is made from, hashed on the workers in parallel. */
async function hashContent(ctx: GridContext, source: ByteSource): Promise<Uint8Array[]> {
  if (source.path !== undefined && ctx.work.parallelism > 1)
    return hashFileOnWorkers(ctx, source.path, source.size);
  return hashStream(ctx, source);
}

/** A file is split into runs of chunks that the workers read and hash themselves. */
async function hashFileOnWorkers(ctx: GridContext, path: string, fileSize: number): Promise<Uint8Array[]> {
  const chunks = Math.ceil(fileSize / CONVERGENCE_CHUNK);
  // A few runs per worker balance the load when one worker is slowed down.
  const runs = Math.min(chunks, ctx.work.parallelism * 4);
  const perRun = Math.ceil(chunks / runs);
  const tasks: Array<Promise<Uint8Array[]>> = [];
  for (let first = 0; first < chunks; first += perRun) {
    tasks.push(
      ctx.work.fileChunkHashes({
        path,
        firstChunk: first,
        chunkCount: Math.min(perRun, chunks - first),
        fileSize,
      }),
    );
  }
  const hashes = (await Promise.all(tasks)).flat();
  const { size } = await stat(path);
  if (size !== fileSize) throw new SourceChangedError(fileSize, size);
  return hashes;
}

async function hashStream(ctx: GridContext, source: ByteSource): Promise<Uint8Array[]> {
  const chunkCount = Math.ceil(source.size / CONVERGENCE_CHUNK);
  const slots = new SlotPool(Math.min(CONVERGENCE_CHUNK, source.size), 4);
  const hashes: Array<Promise<Uint8Array>> = [];
  const input = await readSequentially(source);
  try {
    for (let i = 0; i < chunkCount; i++) {
      const slot = await slots.acquire();
      const chunk = slot.subarray(0, Math.min(CONVERGENCE_CHUNK, source.size - i * CONVERGENCE_CHUNK));
      await input.fill(chunk);
      const task = ctx.work.chunkHash(chunk).finally(() => slots.release(slot));
      task.catch(() => undefined);
      hashes.push(task);
    }
    await input.finish();
  } finally {
    await input.close();
  }
  return Promise.all(hashes);
}
