import { createRequire } from 'node:module';
import type { Blake3Hasher } from '@napi-rs/blake-hash';

/**
 * BLAKE3, the hash of the bulk bytes: every share block and every convergence chunk (hash.ts).
 *
 * Why BLAKE3 and not SHA-256 there: a put hashes n/k times the file (every block of every share),
 * plus the file once more for a convergent key. SHA-256 with the CPU's SHA extensions ran at
 * ~1.7 GB/s here and was two thirds of a segment's coding time; BLAKE3 ran at 4-6.3 GB/s on the
 * same blocks. Two sets of 4 paired 1 GiB puts: 19% less time with a convergent key both times,
 * 6% and 17% with a random one. The small hashes (trees, UEB, keys) stay SHA-256: they cost
 * nothing either way.
 *
 * Two implementations of the one function, chosen once per thread:
 * - `@napi-rs/blake-hash`: the official Rust crate (SIMD, chosen at run time) as an N-API addon,
 *   prebuilt for every common platform and fetched from the npm registry alone (pinned to 1.3.4:
 *   1.3.6 was published with the linux-x64 addons only);
 * - `hash-wasm`: WebAssembly, for a platform without a prebuilt addon (0.5-0.8 GB/s).
 * GRID_SFTP_BLAKE3=wasm forces the second (tests run both and compare them).
 */
export interface Blake3 {
  update(data: Uint8Array): Blake3;
  /** The hash of everything given to `update` so far; more updates may follow. */
  digest(): Uint8Array;
}

export interface Blake3Implementation {
  readonly name: 'native' | 'wasm';
  /** An incremental hash. */
  create(): Blake3;
  /** The hash of the parts, in order, at once. */
  hash(parts: readonly Uint8Array[]): Uint8Array;
}

/**
 * The addon's own loader finds the glibc build on Linux through process.report.getReport(), in
 * every thread that loads it: ~1.5 MB of RSS for a process with two workers. The glibc build is
 * tried first, directly. On musl it fails to load, and the loader picks the right one.
 */
function loadAddon(): { Blake3Hasher: typeof Blake3Hasher } | undefined {
  const load = createRequire(import.meta.url);
  const direct = process.platform === 'linux' ? [`@napi-rs/blake-hash-linux-${process.arch}-gnu`] : [];
  for (const id of [...direct, '@napi-rs/blake-hash']) {
    try {
      return load(id) as { Blake3Hasher: typeof Blake3Hasher };
    } catch {
      // next
    }
  }
  return undefined; // no prebuilt addon for this platform
}

export function nativeBlake3(): Blake3Implementation | undefined {
  const Hasher = loadAddon()?.Blake3Hasher;
  if (Hasher === undefined) return undefined;
  // A view, not a copy (the addon's types ask for a Buffer).
  const view = (data: Uint8Array): Buffer => Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  /**
   * Every one-shot hash of the thread reuses one hasher: a hasher's ~2 KB live outside V8's
   * heap, which does not count them, so a new one per block piled up until a GC came by
   * (+15 MB RSS over 5,000 blocks, +16 MB peak RSS on a 1 GiB put).
   */
  const shared = new Hasher();
  return {
    name: 'native',
    create() {
      const hasher = new Hasher();
      const state: Blake3 = {
        update(data) {
          hasher.update(view(data));
          return state;
        },
        digest: () => new Uint8Array(hasher.digestBuffer()),
      };
      return state;
    },
    hash(parts) {
      shared.reset();
      for (const part of parts) shared.update(view(part));
      return new Uint8Array(shared.digestBuffer());
    },
  };
}

/**
 * One WebAssembly instance per thread serves every hash in progress: each keeps its own saved
 * state and loads it around each call, so interleaved hashes (several files written at once) do
 * not mix. Every call is synchronous, so nothing runs between a load and its save.
 */
export async function wasmBlake3(): Promise<Blake3Implementation> {
  // Loaded only when needed: the module carries every hash-wasm algorithm (+7 MB RSS per thread).
  const { createBLAKE3 } = await import('hash-wasm');
  const instance = await createBLAKE3();
  const initial = instance.init().save();
  return {
    name: 'wasm',
    hash(parts) {
      instance.init();
      for (const part of parts) instance.update(part);
      return instance.digest('binary');
    },
    create() {
      let saved = initial;
      const state: Blake3 = {
        update(data) {
          instance.load(saved).update(data);
          saved = instance.save();
          return state;
        },
        digest: () => instance.load(saved).digest('binary'),
      };
      return state;
    },
  };
}

async function chooseBlake3(): Promise<Blake3Implementation> {
  const forced = process.env['GRID_SFTP_BLAKE3'];
  if (forced !== undefined && forced !== 'native' && forced !== 'wasm')
    throw new Error(`GRID_SFTP_BLAKE3 must be "native" or "wasm", not "${forced}"`);
  if (forced === 'wasm') return wasmBlake3();
  const native = nativeBlake3();
  if (native !== undefined) return native;
  if (forced === 'native')
    throw new Error('GRID_SFTP_BLAKE3=native, but @napi-rs/blake-hash has no addon here');
  return wasmBlake3();
}

/** The implementation this thread uses. */
export const blake3: Blake3Implementation = await chooseBlake3();
