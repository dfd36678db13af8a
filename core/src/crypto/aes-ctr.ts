import { createCipheriv, type Cipher } from 'node:crypto';
import { copyBytes } from '../util/shared-copy.js';

const AES_BLOCK = 16;

/**
 * An AES-256-CTR keystream positioned at `offset` bytes into the stream. Segments are encrypted
 * independently (in parallel, in workers) so each one starts its counter where it sits in the file.
 */
export function aesCtrAt(key: Uint8Array, iv: Uint8Array, offset: number): Cipher {
  if (key.length !== 32 || iv.length !== 16)
    throw new RangeError('AES-256-CTR needs a 32-byte key and 16-byte IV');
  const counter = Buffer.from(iv);
  addToCounter(counter, Math.floor(offset / AES_BLOCK));
  const cipher = createCipheriv('aes-256-ctr', key, counter);
  const skip = offset % AES_BLOCK;
  if (skip > 0) cipher.update(Buffer.alloc(skip));
  return cipher;
}

/** Adds to a 128-bit big-endian counter, carrying across all 16 bytes as CTR mode does. */
function addToCounter(counter: Buffer, blocks: number): void {
  let carry = blocks;
  for (let i = counter.length - 1; i >= 0 && carry > 0; i--) {
    const sum = (counter[i] ?? 0) + (carry % 256);
    counter[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
}

/** Encrypts or decrypts (the same in CTR) a buffer that starts at `offset` of the stream. */
export function aesCtrTransform(
  key: Uint8Array,
  iv: Uint8Array,
  offset: number,
  data: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(data.length);
  aesCtrInto(key, iv, offset, data, out);
  return out;
}

/**
 * Piece size for update(): node allocates a fresh output buffer per call. A 1 MiB output is
 * mmapped fresh by the allocator and page-faulted in (measured: ~1.2 GB/s in 1 MiB calls against
 * ~3 GB/s in smaller ones, and 265k page faults per GiB put at 128 KiB); 16 KiB outputs come from
 * the allocator's reused memory (41k faults per GiB, a quarter less system time).
 */
const PIECE = 16 * 1024;

/** Transforms `source` into `target` (at least as long; the same buffer is fine). */
export function aesCtrInto(
  key: Uint8Array,
  iv: Uint8Array,
  offset: number,
  source: Uint8Array,
  target: Uint8Array,
): void {
  aesCtrIntoParts(key, iv, offset, source, [target]);
}

/**
 * Transforms `source` into `targets` laid end to end: each is filled to its length before the
 * next (the data blocks of a segment, which need not be adjacent in memory).
 */
export function aesCtrIntoParts(
  key: Uint8Array,
  iv: Uint8Array,
  offset: number,
  source: Uint8Array,
  targets: readonly Uint8Array[],
): void {
  const room = targets.reduce((sum, target) => sum + target.length, 0);
  if (room < source.length) throw new RangeError('AES-CTR targets are shorter than their source');
  const cipher = aesCtrAt(key, iv, offset);
  let part = 0;
  let at = 0; // in targets[part]
  for (let from = 0; from < source.length; from += PIECE) {
    const out = cipher.update(source.subarray(from, Math.min(source.length, from + PIECE)));
    for (let used = 0; used < out.length;) {
      const target = targets[part] as Uint8Array;
      const take = Math.min(out.length - used, target.length - at);
      copyBytes(target, take === out.length ? out : out.subarray(used, used + take), at);
      used += take;
      at += take;
      if (at === target.length) {
        part++;
        at = 0;
      }
    }
  }
  cipher.final();
}
