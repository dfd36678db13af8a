/**
 * Byte copies where either side may live in a SharedArrayBuffer (the segment slots that worker
 * threads share with the main thread, see SlotPool).
 *
 * V8 copies into or out of shared memory with a relaxed-atomic loop that moves whole 8-byte words
 * only when source and target sit at the same address modulo 8, and single bytes otherwise.
 * Measured here for 1.67 MiB (a 3-of-5 segment's blocks): 3.5 GB/s misaligned against 27 GB/s
 * aligned (and 43 GB/s between private buffers); that byte loop was a quarter of a segment's
 * encoding time, as the slots' block areas sat at odd offsets. A misaligned copy therefore goes
 * through private memory placed at the shared side's alignment: two fast copies beat one slow one.
 */

/** Below this many bytes the detour costs more than it saves. */
const FAST_COPY_MIN = 256;

function isShared(bytes: Uint8Array): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer;
}

/** `target.set(source, at)`, fast also when either side is shared memory. */
export function copyBytes(target: Uint8Array, source: Uint8Array, at = 0): void {
  const length = source.length;
  const sharedTarget = isShared(target);
  const sharedSource = isShared(source);
  const aligned = (target.byteOffset + at - source.byteOffset) % 8 === 0;
  if (
    length < FAST_COPY_MIN ||
    aligned ||
    (!sharedTarget && !sharedSource) ||
    (sharedTarget && sharedSource)
  ) {
    target.set(source, at); // (shared to shared and misaligned: on no hot path)
    return;
  }
  if (at < 0 || at + length > target.length)
    throw new RangeError('copyBytes: source does not fit the target');
  const bounce = bounceBuffer(length, sharedTarget ? (target.byteOffset + at) % 8 : source.byteOffset % 8);
  bounce.set(source);
  target.set(bounce, at);
}

/** One private scratch buffer per thread (copies are synchronous, so it is never used twice at once). */
let bounceMemory = new ArrayBuffer(0);
function bounceBuffer(length: number, skew: number): Uint8Array {
  if (bounceMemory.byteLength < length + skew) bounceMemory = new ArrayBuffer(length + skew);
  return new Uint8Array(bounceMemory, skew, length);
}

/** A private copy of `source` (what `source.slice()` gives), fast also out of shared memory. */
export function copyOf(source: Uint8Array): Uint8Array {
  if (!isShared(source) || source.length < FAST_COPY_MIN) return source.slice();
  // Private memory at the source's alignment, so that the copy moves whole words; not zeroed
  // first (new ArrayBuffer zero-fills: a memset and fresh pages for every 1 MiB segment read).
  const skew = source.byteOffset % 8;
  const memory = Buffer.allocUnsafeSlow(source.length + skew);
  const copy = new Uint8Array(memory.buffer, memory.byteOffset + skew, source.length);
  copy.set(source);
  return copy;
}
