import { randomBytes, timingSafeEqual } from 'node:crypto';
import { base32Encode } from '../util/base32.js';
import type { ShareTest, StorageIndexText } from './node.js';

// Checks shared by every backend: they guard file paths and object keys against the caller.

export const STORAGE_INDEX = /^[a-z2-7]{16,64}$/;

/**
 * Throws RangeError unless `si` is lower-case base32 and `shnum` an integer 0..255: every backend
 * calls it first, so that no caller can name a path or key outside the node ('../x').
 */
export function assertShareAddress(si: StorageIndexText, shnum: number): void {
  if (typeof si !== 'string' || !STORAGE_INDEX.test(si)) {
    throw new RangeError(`invalid storage index ${JSON.stringify(String(si).slice(0, 70))}`);
  }
  if (!Number.isInteger(shnum) || shnum < 0 || shnum > 255) {
    throw new RangeError(`invalid share number ${String(shnum)}`);
  }
}

export function assertByteRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`invalid offset ${String(offset)}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`invalid length ${String(length)}`);
}

export function assertShareTest(test: ShareTest): void {
  if (test === 'absent') return;
  if (!(test.expected instanceof Uint8Array)) throw new RangeError('test.expected must be a Uint8Array');
  assertByteRange(test.offset, test.expected.byteLength);
}

/**
 * Whether `current` (the bytes at the tested range, or null when the share is absent) satisfies
 * `test`. The comparison runs in constant time: test vectors hold version numbers and hashes today,
 * but a node must not become a timing oracle if one ever carries a secret (Tahoe's write enabler).
 */
export function shareTestHolds(test: ShareTest, current: Uint8Array | null): boolean {
  if (test === 'absent') return current === null;
  if (current === null || current.byteLength !== test.expected.byteLength) return false;
  return timingSafeEqual(current, test.expected);
}

/** The bytes a failed test reports: the tested range, or the whole share for an `'absent'` test. */
export function testedRange(test: ShareTest): { offset: number; length: number } {
  return test === 'absent'
    ? { offset: 0, length: Number.MAX_SAFE_INTEGER }
    : { offset: test.offset, length: test.expected.byteLength };
}

export function randomBase32(chars: number): string {
  return base32Encode(randomBytes(Math.ceil((chars * 5) / 8))).slice(0, chars);
}
