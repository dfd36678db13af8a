import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blake3, nativeBlake3, wasmBlake3, type Blake3Implementation } from '../../src/crypto/blake3.js';
import { bulkHash, bulkHasher } from '../../src/crypto/hash.js';
import { toHex } from '../../src/util/bytes.js';

// BLAKE3's published answers (the reference implementation's README and test vectors).
const EMPTY = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';
const ABC = '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85';

const native = nativeBlake3();
const wasm = await wasmBlake3();
const implementations: Blake3Implementation[] = native === undefined ? [wasm] : [native, wasm];

const hashOf = (impl: Blake3Implementation, ...parts: Uint8Array[]): string => {
  const state = impl.create();
  for (const part of parts) state.update(part);
  return toHex(state.digest());
};

describe('BLAKE3', () => {
  it('uses the native addon on this platform (linux x64 has a prebuilt one)', () => {
    expect(native, '@napi-rs/blake-hash failed to load: hashing would run ~10x slower').toBeDefined();
    expect(blake3.name).toBe('native');
  });

  it.each(implementations.map((impl) => [impl.name, impl] as const))(
    '%s gives the published hashes',
    (_name, impl) => {
      expect(hashOf(impl)).toBe(EMPTY);
      expect(hashOf(impl, new TextEncoder().encode('abc'))).toBe(ABC);
      expect(hashOf(impl, new TextEncoder().encode('a'), new TextEncoder().encode('bc'))).toBe(ABC);
    },
  );

  it('native and WebAssembly agree around every chunk and tree boundary, in any split', () => {
    const data = new Uint8Array(randomBytes(1024 * 1024 + 3000));
    const lengths = [1, 63, 64, 65, 1023, 1024, 1025, 2047, 2048, 2049, 4097, 65_536 + 7, 349_526, 1_048_579];
    for (const length of lengths) {
      const whole = data.subarray(0, length);
      const cut = Math.floor(length / 3);
      const expected = hashOf(wasm, whole);
      for (const impl of implementations) {
        expect(hashOf(impl, whole), `${impl.name} ${length}`).toBe(expected);
        expect(toHex(impl.hash([whole.subarray(0, cut), whole.subarray(cut)])), `${impl.name} at once`).toBe(
          expected,
        );
        expect(
          hashOf(impl, whole.subarray(0, cut), whole.subarray(cut)),
          `${impl.name} split ${length}`,
        ).toBe(expected);
      }
    }
  });

  it('hashes views into shared memory at any offset (segment slots are SharedArrayBuffers)', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(100_000));
    shared.set(randomBytes(shared.length));
    const view = shared.subarray(7, 90_007);
    const copy = new Uint8Array(view);
    for (const impl of implementations) expect(hashOf(impl, view)).toBe(hashOf(impl, copy));
  });

  it('keeps interleaved hashes (and one-shot ones) apart and goes on after a digest', () => {
    const a = new Uint8Array(randomBytes(5000));
    const b = new Uint8Array(randomBytes(7000));
    for (const impl of implementations) {
      const first = impl.create();
      const second = impl.create();
      first.update(a.subarray(0, 100));
      second.update(b.subarray(0, 3000));
      expect(toHex(impl.hash([b]))).toBe(hashOf(impl, b)); // a one-shot hash in between
      const early = toHex(first.digest());
      first.update(a.subarray(100));
      second.update(b.subarray(3000));
      expect(early).toBe(hashOf(impl, a.subarray(0, 100)));
      expect(toHex(first.digest())).toBe(hashOf(impl, a));
      expect(toHex(second.digest())).toBe(hashOf(impl, b));
    }
  });

  it('separates the bulk hashes by tag, written as a netstring before the data', () => {
    const data = new Uint8Array(randomBytes(4096));
    const block = toHex(bulkHash('block', data));
    expect(block).toBe(hashOf(blake3, new TextEncoder().encode('9:gs1:block,'), data));
    expect(toHex(bulkHash('content-chunk', data))).not.toBe(block);
    expect(toHex(bulkHasher('block').update(data.subarray(0, 10)).update(data.subarray(10)).digest())).toBe(
      block,
    );
  });
});
