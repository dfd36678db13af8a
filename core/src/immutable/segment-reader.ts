import type { StorageNode } from '../storage/node.js';
import { describeError, NotEnoughSharesError, type GridContext, type ShareProblem } from '../grid/context.js';
import type { SegmentCrypto } from './segment-codec.js';
import { SlotPool } from '../util/slot-pool.js';
import { blockLength, segmentLength, type EncodingParams } from './params.js';
import type { ShareBodyLayout } from './share-layout.js';
import { copyBytes, copyOf } from '../util/shared-copy.js';

export interface ShareCandidate {
  readonly shnum: number;
  readonly node: StorageNode;
}

/** What one file's shares must agree on, from a source the reader trusts (a UEB or a signature). */
export interface SegmentTrust {
  readonly params: EncodingParams;
  readonly layout: ShareBodyLayout;
  readonly storageIndex: string;
  readonly crypttextLeaves: readonly Uint8Array[];
  /** Absent for a verify-cap holder: segments are checked and returned as ciphertext. */
  readonly crypto?: { readonly aesKey: Uint8Array; readonly iv: Uint8Array };
  /** Checks one share's hashes against the trusted roots; returns its block leaves or throws why not. */
  validate(candidate: ShareCandidate): Promise<Uint8Array[]>;
}

interface SegmentLease {
  /** The decoded segment, inside a slot: valid until release. */
  readonly data: Uint8Array;
  release(): void;
}

const STREAM_PIECE = 1024 * 1024;
/**
 * How much of a file the segment cache of `read` spans. An SFTP client keeps up to 64 READs of up
 * to 255 KiB in flight (the gateway's limits: ~16 MiB), and they all run at once. A cache smaller
 * than that window dropped segments whose READs were still to come, and a pipelined download
 * decoded every segment twice (measured on a 256 MiB sftp get: 496 decodes instead of 256, and
 * 1.6-1.95 s instead of 1.35-1.5 s). The cached segments sit in buffers of their own, so this
 * is also the cache's memory bound (see segment).
 */
const READ_CACHE_BYTES = 20 * 1024 * 1024;

interface ChosenShare extends ShareCandidate {
  readonly blockLeaves: Uint8Array[];
}

/**
 * Reads segments from k shares, checking every block before use. A share that fails (a dead
 * node, a short read, one corrupt byte) is dropped and reported, and another takes its place;
 * the reader fails only when fewer than k good shares remain, and then says so, never returning
 * wrong bytes. Data shares are preferred because with a systematic code they need no decoding.
 */
export class SegmentReader {
  readonly problems: ShareProblem[] = [];
  private readonly chosen = new Map<number, ChosenShare>();
  private readonly pending: ShareCandidate[];
  private replenishing: Promise<void> | undefined;
  /** Decoded segments for `readInto`, each in a buffer of `segmentBuffers` (see segment). */
  private readonly cache = new Map<number, { data: Promise<Uint8Array>; buffer: Uint8Array }>();
  private readonly segmentBuffers: Uint8Array[] = [];
  private slots: SlotPool | undefined;

  constructor(
    private readonly ctx: GridContext,
    private readonly trust: SegmentTrust,
    candidates: readonly ShareCandidate[],
    initialProblems: readonly ShareProblem[] = [],
  ) {
    const { k } = trust.params;
    this.pending = [...candidates].sort((a, b) => Number(a.shnum >= k) - Number(b.shnum >= k));
    this.problems.push(...initialProblems);
  }

  get params(): EncodingParams {
    return this.trust.params;
  }

  get size(): number {
    return this.trust.params.size;
  }

  /** Makes sure k validated shares of distinct numbers are chosen (one caller at a time). */
  async ensureShares(): Promise<void> {
    while (this.chosen.size < this.trust.params.k) {
      if (this.replenishing === undefined) {
        this.replenishing = this.replenish().finally(() => (this.replenishing = undefined));
      }
      await this.replenishing;
    }
  }

  private async replenish(): Promise<void> {
    const { k } = this.trust.params;
    while (this.chosen.size < k) {
      const index = this.pending.findIndex((c) => !this.chosen.has(c.shnum));
      if (index < 0) throw this.notEnough();
      const [candidate] = this.pending.splice(index, 1) as [ShareCandidate];
      try {
        const blockLeaves = await this.trust.validate(candidate);
        this.chosen.set(candidate.shnum, { ...candidate, blockLeaves });
      } catch (error) {
        this.report(candidate, describeError(error));
      }
    }
  }

  private notEnough(): NotEnoughSharesError {
    const { k } = this.trust.params;
    const good = this.chosen.size;
    return new NotEnoughSharesError(
      `not enough shares: ${good} good share(s) found, ${k} needed` +
        (this.problems.length > 0
          ? ` (${this.problems.length} problem(s): ${summarize(this.problems)})`
          : ''),
      this.problems,
    );
  }

  private report(candidate: ShareCandidate, reason: string): void {
    this.problems.push({ nodeId: candidate.node.id, shnum: candidate.shnum, reason });
  }

  private drop(share: ChosenShare, reason: string): void {
    if (this.chosen.get(share.shnum) === share) this.chosen.delete(share.shnum);
    this.report(share, reason);
  }

  /**
   * One segment's plaintext (ciphertext for a verify cap), decoded straight into a buffer of the
   * cache: no copy out of the decode slot and no fresh megabyte per segment (a 256 MiB download
   * allocated 256 MiB of copies, and V8 answers that much external memory with full collections).
   *
   * The data is valid only until the caller's next await: once the segment leaves the cache its
   * buffer is reused. Why that is safe for `readInto`, the only caller that reads it: it copies
   * the bytes out synchronously right after awaiting this promise, and an evicted buffer goes
   * back to the pool only from a setImmediate callback registered once the promise has settled.
   * A promise's reactions run as microtasks before the event loop reaches any setImmediate, so
   * every reader that was waiting for the segment (or got it already settled) has copied first.
   */
  private segment(index: number): Promise<Uint8Array> {
    const cached = this.cache.get(index);
    if (cached !== undefined) return cached.data;
    const { params } = this.trust;
    const buffer = this.segmentBuffers.pop() ?? new Uint8Array(new SharedArrayBuffer(params.segmentSize));
    const entry = {
      buffer,
      data: this.decodeToSlot(index, buffer).then((lease) => {
        lease.release();
        return buffer.subarray(0, segmentLength(params, index));
      }),
    };
    entry.data.catch(() => {
      if (this.cache.get(index) === entry) this.cache.delete(index);
      this.segmentBuffers.push(buffer); // never handed out: nobody holds a view of it
    });
    this.cache.set(index, entry);
    // Oldest first: READs arrive roughly in file order, so the oldest is the one left behind.
    const capacity = Math.max(2, Math.ceil(READ_CACHE_BYTES / params.segmentSize));
    while (this.cache.size > capacity) {
      const [oldest, evicted] = this.cache.entries().next().value as [number, typeof entry];
      this.cache.delete(oldest);
      evicted.data.then(
        () => setImmediate(() => this.segmentBuffers.push(evicted.buffer)),
        () => undefined,
      );
    }
    return entry.data;
  }

  /**
   * Decodes a segment into a slot, or into `target` (a view of shared memory) when given; the
   * caller must release the lease.
   */
  private async decodeToSlot(index: number, target?: Uint8Array): Promise<SegmentLease> {
    const { params, layout, storageIndex } = this.trust;
    if (index < 0 || index >= params.numSegments) throw new RangeError(`no segment ${index}`);
    const length = blockLength(params, index);
    // One slot holds the k fetched blocks, which are decrypted in place into the segment (the data
    // blocks are the ciphertext); workers see it without a copy. k blocks are one segment, the size
    // of an upload's slots: a reader takes the spares a finished upload left (SlotPool.close).
    // Its own are not handed on (a reader has no end it is told of) and go with the reader.
    this.slots ??= new SlotPool(params.k * params.blockSize, 5);
    const slot = await this.slots.acquire();
    let leased = false;
    try {
      for (;;) {
        await this.ensureShares();
        const shares = [...this.chosen.values()].slice(0, params.k);
        const positions = blockPositions(shares, params.k);
        const blocks: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(params.n);
        const expected: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(params.n);
        let lost = false;
        await Promise.all(
          shares.map(async (share, i) => {
            const position = positions[i] as number;
            try {
              const place = slot.subarray(position * params.blockSize, position * params.blockSize + length);
              const got = await readBlockInto(share, storageIndex, layout.blockOffset(index), place);
              if (got !== length) throw new Error(`short block ${index} (${got} of ${length} bytes)`);
              blocks[share.shnum] = place;
              // A copy: a view would drag the share's whole hash list along to the worker.
              expected[share.shnum] = share.blockLeaves[index]?.slice();
            } catch (error) {
              lost = true;
              this.drop(share, describeError(error));
            }
          }),
        );
        if (lost) continue;
        const segmentCrypto: SegmentCrypto | undefined =
          this.trust.crypto === undefined
            ? undefined
            : { ...this.trust.crypto, offset: index * params.segmentSize };
        const plainLength = segmentLength(params, index);
        const output = (target ?? slot).subarray(0, plainLength);
        const decoded = await this.ctx.work.decodeInto({
          blocks,
          expectedBlockHashes: expected,
          expectedSegmentHash: (this.trust.crypttextLeaves[index] as Uint8Array).slice(),
          k: params.k,
          n: params.n,
          segmentLength: output.length,
          output,
          ...(segmentCrypto === undefined ? {} : { crypto: segmentCrypto }),
        });
        if (decoded.ok) {
          leased = true;
          return { data: output, release: () => this.slots?.release(slot) };
        }
        if (decoded.segmentMismatch) {
          throw new NotEnoughSharesError(
            `segment ${index} does not match its hash although every block matched its share: the shares are inconsistent`,
            this.problems,
          );
        }
        for (const shnum of decoded.badBlocks) {
          const share = this.chosen.get(shnum);
          if (share !== undefined) this.drop(share, `corrupt block in segment ${index}`);
        }
      }
    } finally {
      if (!leased) this.slots.release(slot);
    }
  }

  /** Bytes [offset, offset+length) of the file, clipped at its end, segment by segment with readahead. */
  /**
   * Streams straight out of the decode slots, in copies the consumer owns, a segment at a time:
   * smaller pieces fault in fewer fresh pages but cost more in the consumer (measured writing
   * 1 GiB to a file: 64 KiB pieces 5.2 s, 256 KiB 3.4 s, 1 MiB 3.1 s).
   */
  stream(offset = 0, length = Number.MAX_SAFE_INTEGER, readahead = 3): AsyncGenerator<Uint8Array> {
    return this.pieces(offset, length, readahead, true);
  }

  /**
   * As stream, but each chunk is a view into the decode slot, valid only until the loop asks for
   * the next one: no 1 MiB copy per segment for a consumer that is done with a chunk when it
   * pulls the next (one that awaits its write). Measured on a 1 GiB get: see test/bench/README.md.
   */
  chunks(offset = 0, length = Number.MAX_SAFE_INTEGER, readahead = 3): AsyncGenerator<Uint8Array> {
    return this.pieces(offset, length, readahead, false);
  }

  private async *pieces(
    offset: number,
    length: number,
    readahead: number,
    copy: boolean,
  ): AsyncGenerator<Uint8Array> {
    const { params } = this.trust;
    const end = Math.min(params.size, offset + length);
    if (offset >= end) return;
    const first = Math.floor(offset / params.segmentSize);
    const last = Math.floor((end - 1) / params.segmentSize);
    const pending = new Map<number, Promise<SegmentLease>>();
    const start = (index: number): void => {
      if (index > last || pending.has(index)) return;
      const lease = this.decodeToSlot(index);
      lease.catch(() => undefined);
      pending.set(index, lease);
    };
    try {
      for (let index = first; index <= last; index++) {
        for (let ahead = index; ahead <= index + readahead; ahead++) start(ahead);
        const lease = await (pending.get(index) as Promise<SegmentLease>);
        pending.delete(index);
        try {
          const base = index * params.segmentSize;
          const from = Math.max(0, offset - base);
          const to = Math.min(lease.data.length, end - base);
          for (let at = from; at < to; at += STREAM_PIECE) {
            const piece = lease.data.subarray(at, Math.min(to, at + STREAM_PIECE));
            // The lease is released only after the consumer pulls again, so a view stays intact.
            yield copy ? copyOf(piece) : piece;
          }
        } finally {
          lease.release();
        }
      }
    } finally {
      // A consumer that stops early leaves readahead behind: give those slots back.
      for (const lease of pending.values())
        lease.then(
          (l) => l.release(),
          () => undefined,
        );
    }
  }

  /**
   * Random access for SFTP reads: copies the bytes at [offset, offset + target.length) into
   * `target` and returns how many there were (fewer at the end of the file, 0 past it). The next
   * segment is decoded ahead, and recent ones are cached (see segment).
   */
  async readInto(offset: number, target: Uint8Array): Promise<number> {
    const { params } = this.trust;
    const end = Math.min(params.size, offset + target.length);
    for (let at = offset; at < end;) {
      const index = Math.floor(at / params.segmentSize);
      if (index + 1 < params.numSegments) this.segment(index + 1).catch(() => undefined);
      const data = await this.segment(index);
      // Copied before anything else can run: the segment's buffer may be reused afterwards.
      const from = at - index * params.segmentSize;
      const count = Math.min(data.length - from, end - at);
      copyBytes(target, data.subarray(from, from + count), at - offset);
      at += count;
    }
    return Math.max(0, end - offset);
  }

  /** As readInto, into a new buffer of the bytes there are. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(Math.max(0, Math.min(length, this.trust.params.size - offset)));
    await this.readInto(offset, out);
    return out;
  }
}

/** One problem in words: a node-wide one (shnum < 0) names only the node. */
export function describeProblem(p: ShareProblem): string {
  return p.shnum < 0 ? `node ${p.nodeId}: ${p.reason}` : `share ${p.shnum} on node ${p.nodeId}: ${p.reason}`;
}

async function readBlockInto(
  share: ShareCandidate,
  si: string,
  offset: number,
  place: Uint8Array,
): Promise<number> {
  const { node, shnum } = share;
  if (node.readShareInto !== undefined) return node.readShareInto(si, shnum, offset, place);
  const block = await node.readShare(si, shnum, offset, place.length);
  copyBytes(place, block.subarray(0, place.length));
  return block.length;
}

/**
 * Where each fetched block goes in the slot: data block i at position i, so that when all data
 * shares are at hand the blocks lie back to back and are the ciphertext itself (no copy to
 * assemble it); parity blocks fill the positions of the data blocks they stand in for.
 */
function blockPositions(shares: readonly ShareCandidate[], k: number): number[] {
  const taken = new Set(shares.filter((s) => s.shnum < k).map((s) => s.shnum));
  const free = Array.from({ length: k }, (_, i) => i).filter((i) => !taken.has(i));
  return shares.map((share) => (share.shnum < k ? share.shnum : (free.shift() as number)));
}

function summarize(problems: readonly ShareProblem[]): string {
  const shown = problems.slice(0, 4).map(describeProblem);
  return shown.join('; ') + (problems.length > 4 ? `; and ${problems.length - 4} more` : '');
}
