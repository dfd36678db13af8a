// Part 1: the crypto building blocks on one thread (DESIGN §4 quotes figures measured this way),
// and the in-memory AES-256-CTR pass the put time is compared with.
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { nativeBlake3, wasmBlake3 } from '../../core/dist/crypto/blake3.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** MB is 10^6 bytes everywhere in the bench (sizes of files are given in MiB / GiB). */
export const MB = 1e6;

/**
 * Feeds `totalBytes` through `update` in `chunkBytes` calls over one reused input buffer, so the
 * figure is the primitive's cost and not a memory-bandwidth or allocation test of our own.
 * The output of each call is touched so the work cannot be optimised away.
 */
function timedUpdates(totalBytes, chunkBytes, update, finish) {
  const input = randomBytes(chunkBytes);
  let sink = 0;
  const start = performance.now();
  for (let done = 0; done < totalBytes; done += chunkBytes) {
    const take = Math.min(chunkBytes, totalBytes - done);
    const out = update(take === chunkBytes ? input : input.subarray(0, take));
    if (out !== undefined && out.length > 0) sink ^= out[0];
  }
  const last = finish();
  if (last !== undefined && last.length > 0) sink ^= last[0];
  return { seconds: (performance.now() - start) / 1000, sink };
}

/** One AES-256-CTR pass over `totalBytes` (the reference for the put/AES ratio). */
export function aesCtrPass(totalBytes, chunkBytes) {
  const cipher = createCipheriv('aes-256-ctr', randomBytes(32), randomBytes(16));
  return timedUpdates(
    totalBytes,
    chunkBytes,
    (chunk) => cipher.update(chunk),
    () => cipher.final(),
  ).seconds;
}

function sha256Pass(totalBytes, chunkBytes) {
  const hash = createHash('sha256');
  return timedUpdates(
    totalBytes,
    chunkBytes,
    (chunk) => void hash.update(chunk),
    () => hash.digest(),
  ).seconds;
}

/** BLAKE3 hashes the grid's blocks and convergence chunks (core/src/crypto/blake3.ts). */
function blake3Pass(implementation, totalBytes, chunkBytes) {
  const state = implementation.create();
  return timedUpdates(
    totalBytes,
    chunkBytes,
    (chunk) => void state.update(chunk),
    () => state.digest(),
  ).seconds;
}

function hmacPass(totalBytes, chunkBytes) {
  const hmac = createHmac('sha256', randomBytes(32));
  return timedUpdates(
    totalBytes,
    chunkBytes,
    (chunk) => void hmac.update(chunk),
    () => hmac.digest(),
  ).seconds;
}

/**
 * The fastest of a few passes: the first pass of a primitive pays for JIT and page faults of the
 * output buffers, which is noise here, not the cost the grid pays per byte.
 */
function bestOf(passes, pass) {
  let best = Infinity;
  for (let i = 0; i < passes; i++) best = Math.min(best, pass());
  return best;
}

export async function runCryptoBench({ bytes = 256 * MiB, passes = 3, log = () => undefined } = {}) {
  const native = nativeBlake3();
  const wasm = await wasmBlake3();
  const cases = [
    { name: 'AES-256-CTR, 64 KiB update() calls', pass: () => aesCtrPass(bytes, 64 * KiB) },
    { name: 'AES-256-CTR, 1 MiB update() calls', pass: () => aesCtrPass(bytes, MiB) },
    { name: 'SHA-256, 1 MiB update() calls', pass: () => sha256Pass(bytes, MiB) },
    { name: 'HMAC-SHA-256, 1 MiB update() calls', pass: () => hmacPass(bytes, MiB) },
    ...(native === undefined
      ? []
      : [
          { name: 'BLAKE3 (native addon), 1 MiB update() calls', pass: () => blake3Pass(native, bytes, MiB) },
        ]),
    // The fallback is slow: a quarter of the bytes keep the run short.
    {
      name: 'BLAKE3 (WebAssembly fallback), 1 MiB update() calls',
      pass: () => blake3Pass(wasm, bytes / 4, MiB) * 4,
    },
  ];
  return cases.map(({ name, pass }) => {
    log(`crypto: ${name}`);
    const seconds = bestOf(passes, pass);
    return { name, value: bytes / MB / seconds, unit: 'MB/s' };
  });
}
