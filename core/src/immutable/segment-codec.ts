import { aesCtrInto, aesCtrIntoParts } from '../crypto/aes-ctr.js';
import { bulkHash, HASH_LENGTH, taggedHasher } from '../crypto/hash.js';
import { createReedSolomon, type ReedSolomon } from '../erasure/index.js';
import { bytesEqual } from '../util/bytes.js';
import { copyBytes } from '../util/shared-copy.js';
import { writeFullySync } from '../storage/file-io.js';
import { readSpanSync, type FileSpan } from '../util/byte-source.js';

/**
 * The CPU work of one segment: encrypt, erasure-code, hash (upload) and check, decode, decrypt
 * (download). Pure functions of their inputs, so they run unchanged in a worker thread or inline.
 *
 * The ciphertext hash of a segment is the hash of its k data-block hashes rather than a second
 * pass over the ciphertext: the data blocks *are* the ciphertext (the code is systematic), so it
 * authenticates the same bytes, and a reader that rebuilt blocks from parity still re-derives it,
 * which is what catches an uploader whose parity disagrees with its data.
 */

const codecs = new Map<string, ReedSolomon>();
function codecFor(k: number, n: number): ReedSolomon {
  const key = `${k}/${n}`;
  let rs = codecs.get(key);
  if (rs === undefined) {
    rs = createReedSolomon(k, n);
    codecs.set(key, rs);
  }
  return rs;
}

export function blockHash(block: Uint8Array): Uint8Array {
  return bulkHash('block', block);
}

export function segmentHash(dataBlockHashes: Uint8Array): Uint8Array {
  return new Uint8Array(taggedHasher('segment').update(dataBlockHashes).digest());
}

export interface SegmentCrypto {
  readonly aesKey: Uint8Array;
  readonly iv: Uint8Array;
  /** Where the segment starts in the file's keystream. */
  readonly offset: number;
}

export interface EncodeSegmentInput extends SegmentCrypto {
  readonly plaintext: Uint8Array;
  readonly k: number;
  readonly n: number;
  readonly blockSize: number;
}

export interface EncodeIntoInput extends Omit<EncodeSegmentInput, 'plaintext'> {
  /** The plaintext, or where this thread reads it from itself (see plaintextOf). */
  readonly plaintext: Uint8Array | FileSpan;
  readonly output: BlockDestination;
}

/**
 * The plaintext of a segment given as a span of the source file is read here, on the coding
 * thread, rather than by the event loop into a shared slot. That saved a thread pool trip and two
 * cross-thread wakeups per segment (paired 1 GiB puts: 9-10% less time, 0.25 s less CPU), and a
 * cold file read as fast (the kernel's readahead follows the workers' interleaved reads).
 */
function plaintextOf(plaintext: Uint8Array | FileSpan): Uint8Array {
  return plaintext instanceof Uint8Array ? plaintext : readSpanSync(plaintext);
}

/** Where a segment's blocks go. */
export type BlockDestination =
  /** n × blockSize bytes (a view of a shared slot): block i at i × blockSize. */
  | { readonly memory: Uint8Array }
  /** Straight into share files (lent by ShareWriter.positionalSink): only the blocks listed. */
  | { readonly files: readonly BlockFileTarget[] };

export interface BlockFileTarget {
  readonly shnum: number;
  readonly fd: number;
  readonly position: number;
}

/** A block that could not be written to its share file (the others were). */
export interface BlockWriteFailure {
  readonly shnum: number;
  readonly code: string | undefined;
  readonly message: string;
}

export interface EncodedInto extends SegmentHashes {
  readonly writeFailures: readonly BlockWriteFailure[];
}

export interface SegmentHashes {
  /** n × 32 bytes: the hash of each block. */
  readonly blockHashes: Uint8Array;
  readonly segmentHash: Uint8Array;
}

export interface EncodedSegment extends SegmentHashes {
  /** n blocks: the first k are the (zero-padded) ciphertext, the rest parity. */
  readonly blocks: Uint8Array[];
}

function blockViews(output: Uint8Array, n: number, blockSize: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => output.subarray(i * blockSize, (i + 1) * blockSize));
}

/**
 * Encrypts, erasure-codes and hashes one segment, writing the n blocks to `output`.
 *
 * The blocks are built in the erasure codec's workspace (for wasm-simd, the kernel's own memory):
 * the ciphertext lands where the kernel reads it and the parity where it is hashed and written
 * from. Building them elsewhere cost a copy of every block into the kernel and of the parity out
 * (paired 1 GiB puts: 8% longer, 0.3 s more CPU).
 */
export function encodeSegmentInto(input: EncodeIntoInput): EncodedInto {
  const { k, n, blockSize, output } = input;
  const plaintext = plaintextOf(input.plaintext);
  const length = plaintext.length;
  const workspace = codecFor(k, n).encodingWorkspace(blockSize);
  const blocks = workspace.blocks;
  const dataBlocks = blocks.slice(0, k);
  aesCtrIntoParts(input.aesKey, input.iv, input.offset, plaintext, dataBlocks);
  // The data blocks are the ciphertext zero-padded to whole blocks (only a last segment is short).
  dataBlocks.forEach((block, i) => block.fill(0, Math.max(0, length - i * blockSize)));
  workspace.apply();
  const blockHashes = hashBlocks(blocks);
  let writeFailures: BlockWriteFailure[] = [];
  if ('memory' in output) {
    blocks.forEach((block, i) => copyBytes(output.memory, block, i * blockSize));
  } else {
    writeFailures = writeBlocks(blocks, output.files);
  }
  return {
    blockHashes,
    segmentHash: segmentHash(blockHashes.subarray(0, k * HASH_LENGTH)),
    writeFailures,
  };
}

/**
 * Each block to its share file, from this thread's own memory: no copy into shared memory and
 * no trip through the event loop. A failing share does not stop the others (the upload goes on
 * without it, as with any node failing mid-stream).
 */
function writeBlocks(
  blocks: readonly Uint8Array[],
  targets: readonly BlockFileTarget[],
): BlockWriteFailure[] {
  const failures: BlockWriteFailure[] = [];
  for (const { shnum, fd, position } of targets) {
    try {
      writeFullySync(fd, blocks[shnum] as Uint8Array, position);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      failures.push({
        shnum,
        code: typeof code === 'string' ? code : undefined,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return failures;
}

/** The same into fresh memory (mutable versions, which are built whole). */
export function encodeSegment(input: EncodeSegmentInput): EncodedSegment {
  const memory = new Uint8Array(input.n * input.blockSize);
  const { blockHashes, segmentHash } = encodeSegmentInto({ ...input, output: { memory } });
  return { blockHashes, segmentHash, blocks: blockViews(memory, input.n, input.blockSize) };
}

export function hashBlocks(blocks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(blocks.length * HASH_LENGTH);
  blocks.forEach((block, i) => out.set(blockHash(block), i * HASH_LENGTH));
  return out;
}

export interface DecodeSegmentInput {
  /** n entries: the fetched blocks (at least k), undefined where not fetched. */
  readonly blocks: ReadonlyArray<Uint8Array | undefined>;
  /** n entries: the trusted hash of each fetched block (from its share's verified leaves). */
  readonly expectedBlockHashes: ReadonlyArray<Uint8Array | undefined>;
  readonly expectedSegmentHash: Uint8Array;
  readonly k: number;
  readonly n: number;
  /** Plaintext length of this segment (the padding is cut off). */
  readonly segmentLength: number;
  /** Absent for a verify-cap holder, who checks ciphertext but cannot decrypt. */
  readonly crypto?: SegmentCrypto;
}

export type DecodeFailure =
  /** Blocks whose hash did not match: their shares are bad and the caller fetches others. */
  { readonly ok: false; readonly badBlocks: number[]; readonly segmentMismatch: boolean };

export type DecodedSegment = { readonly ok: true; readonly data: Uint8Array } | DecodeFailure;

export interface DecodeIntoInput extends DecodeSegmentInput {
  /**
   * Receives the segment's plaintext (a view of a shared slot, at least segmentLength bytes). It
   * may be where the blocks lie: data block i at i × block length, parity blocks in the places of
   * missing data blocks (SegmentReader decodes in place so).
   */
  readonly output: Uint8Array;
}

export function decodeSegment(input: DecodeSegmentInput): DecodedSegment {
  const output = new Uint8Array(input.segmentLength);
  const result = decodeSegmentInto({ ...input, output });
  return result.ok ? { ok: true, data: output } : result;
}

/** Checks every block, rebuilds missing data blocks, checks the segment hash, decrypts into `output`. */
export function decodeSegmentInto(input: DecodeIntoInput): { readonly ok: true } | DecodeFailure {
  const { k, n, output } = input;
  const badBlocks: number[] = [];
  const good: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(n);
  const dataHashes = new Uint8Array(k * HASH_LENGTH);
  let present = 0;
  for (let i = 0; i < n; i++) {
    const block = input.blocks[i];
    const expected = input.expectedBlockHashes[i];
    if (block === undefined || expected === undefined) continue;
    const actual = blockHash(block);
    if (!bytesEqual(actual, expected)) {
      badBlocks.push(i);
      continue;
    }
    good[i] = block;
    if (i < k) dataHashes.set(actual, i * HASH_LENGTH);
    present++;
  }
  if (badBlocks.length > 0 || present < k) return { ok: false, badBlocks, segmentMismatch: false };

  const missing: number[] = [];
  for (let i = 0; i < k; i++) if (good[i] === undefined) missing.push(i);
  if (missing.length > 0) {
    const rebuilt = codecFor(k, n).reconstruct(good, missing);
    missing.forEach((index, j) => {
      const block = rebuilt[j] as Uint8Array;
      good[index] = block;
      dataHashes.set(blockHash(block), index * HASH_LENGTH);
    });
  }
  if (!bytesEqual(segmentHash(dataHashes), input.expectedSegmentHash)) {
    // Every block matched its own share's tree, yet together they are not the uploaded segment:
    // the parity disagrees with the data (a faulty uploader). No single share is to blame.
    return { ok: false, badBlocks: [], segmentMismatch: true };
  }
  const plain = output.subarray(0, input.segmentLength);
  // When the data blocks lie back to back (the reader places them so), they already are the
  // ciphertext: decrypt straight from them, with no assembling copy, and in place when `output`
  // is where they lie. Otherwise they are assembled into `output` first: in place, each block
  // moves to an offset no later than its own (blocks of a short last segment lie a full block
  // apart), so going in order never overwrites a block before it is moved, and a rebuilt block
  // goes where a parity block lay, which is no longer needed.
  const ciphertext = contiguous(good, k, input.segmentLength) ?? assemble(good, k, plain);
  if (input.crypto === undefined) {
    if (!sameBytes(ciphertext, plain)) copyBytes(plain, ciphertext);
  } else {
    const { aesKey, iv, offset } = input.crypto;
    aesCtrInto(aesKey, iv, offset, ciphertext, plain);
  }
  return { ok: true };
}

function contiguous(
  blocks: ReadonlyArray<Uint8Array | undefined>,
  k: number,
  length: number,
): Uint8Array | undefined {
  const first = blocks[0];
  if (first === undefined || first.length * k < length) return undefined;
  for (let i = 1; i < k; i++) {
    const block = blocks[i];
    if (block?.buffer !== first.buffer || block.byteOffset !== first.byteOffset + i * first.length)
      return undefined;
  }
  return new Uint8Array(first.buffer, first.byteOffset, length);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length;
}

function assemble(blocks: ReadonlyArray<Uint8Array | undefined>, k: number, target: Uint8Array): Uint8Array {
  let filled = 0;
  for (let i = 0; i < k && filled < target.length; i++) {
    const block = blocks[i] as Uint8Array;
    const take = Math.min(block.length, target.length - filled);
    copyBytes(target, block.subarray(0, take), filled);
    filled += take;
  }
  return target;
}

export interface RegenerateInput {
  /** n entries, at least k verified blocks of one segment. */
  readonly blocks: ReadonlyArray<Uint8Array | undefined>;
  readonly k: number;
  readonly n: number;
  readonly wanted: readonly number[];
}

/** Rebuilds the blocks of lost shares from any k verified ones (repair). */
export function regenerateBlocks(input: RegenerateInput): Uint8Array[] {
  return codecFor(input.k, input.n).reconstruct(input.blocks, input.wanted);
}
