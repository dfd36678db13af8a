import { aesCtrTransform } from '../crypto/aes-ctr.js';
import { HASH_LENGTH, taggedHasher } from '../crypto/hash.js';
import { createReedSolomon, type ReedSolomon } from '../erasure/index.js';
import { bytesEqual } from '../util/bytes.js';

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
  return new Uint8Array(taggedHasher('block').update(block).digest());
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

export interface EncodedSegment {
  /** n blocks: the first k are the (zero-padded) ciphertext, the rest parity. */
  readonly blocks: Uint8Array[];
  /** n × 32 bytes: the hash of each block. */
  readonly blockHashes: Uint8Array;
  readonly segmentHash: Uint8Array;
}

export function encodeSegment(input: EncodeSegmentInput): EncodedSegment {
  const { k, n, blockSize } = input;
  const padded = new Uint8Array(k * blockSize);
  padded.set(aesCtrTransform(input.aesKey, input.iv, input.offset, input.plaintext));
  const data = Array.from({ length: k }, (_, i) => padded.subarray(i * blockSize, (i + 1) * blockSize));
  const blocks = k === n ? data : [...data, ...codecFor(k, n).encode(data)];
  const blockHashes = hashBlocks(blocks);
  return { blocks, blockHashes, segmentHash: segmentHash(blockHashes.subarray(0, k * HASH_LENGTH)) };
}

export function hashBlocks(blocks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(blocks.length * HASH_LENGTH);
  blocks.forEach((block, i) => out.set(taggedHasher('block').update(block).digest(), i * HASH_LENGTH));
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

export type DecodedSegment =
  | { readonly ok: true; readonly data: Uint8Array }
  /** Blocks whose hash did not match: their shares are bad and the caller fetches others. */
  | { readonly ok: false; readonly badBlocks: number[]; readonly segmentMismatch: boolean };

export function decodeSegment(input: DecodeSegmentInput): DecodedSegment {
  const { k, n } = input;
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
  const ciphertext = new Uint8Array(input.segmentLength);
  let filled = 0;
  for (let i = 0; i < k && filled < ciphertext.length; i++) {
    const block = good[i] as Uint8Array;
    const take = Math.min(block.length, ciphertext.length - filled);
    ciphertext.set(block.subarray(0, take), filled);
    filled += take;
  }
  if (input.crypto === undefined) return { ok: true, data: ciphertext };
  const { aesKey, iv, offset } = input.crypto;
  return { ok: true, data: new Uint8Array(aesCtrTransform(aesKey, iv, offset, ciphertext)) };
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
