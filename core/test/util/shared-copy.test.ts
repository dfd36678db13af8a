// copyBytes / copyOf: exact byte copies whatever the memory (shared or private) and alignment.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyBytes, copyOf } from '../../src/util/shared-copy.js';

function memory(shared: boolean, length: number): Uint8Array {
  return new Uint8Array(shared ? new SharedArrayBuffer(length) : new ArrayBuffer(length));
}

function fillPattern(bytes: Uint8Array, seed: number): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
}

describe('copyBytes', () => {
  it('copies exactly, for any sides shared or private, offsets and lengths', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 0, max: 5000 }),
        (sharedSource, sharedTarget, sourceAt, targetAt, at, length) => {
          const sourceMemory = memory(sharedSource, sourceAt + length);
          fillPattern(sourceMemory, length);
          const source = sourceMemory.subarray(sourceAt);
          const targetMemory = memory(sharedTarget, targetAt + at + length + 3);
          targetMemory.fill(0xee);
          const target = targetMemory.subarray(targetAt);
          copyBytes(target, source, at);
          const expected = new Uint8Array(targetMemory.length).fill(0xee);
          expected.set(source, targetAt + at);
          expect(Buffer.from(targetMemory).equals(Buffer.from(expected))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a source that does not fit, as set does', () => {
    expect(() => copyBytes(memory(true, 300), memory(false, 290), 20)).toThrow(RangeError);
    expect(() => copyBytes(memory(false, 10), memory(false, 8), 5)).toThrow(RangeError);
  });
});

describe('copyOf', () => {
  it('gives a private copy equal to slice(), also of shared memory at any offset', () => {
    for (const [at, length] of [
      [0, 0],
      [3, 100],
      [5, 4096],
      [8, 70_001],
    ] as const) {
      const shared = memory(true, at + length);
      fillPattern(shared, at);
      const view = shared.subarray(at);
      const copy = copyOf(view);
      expect(copy.buffer instanceof SharedArrayBuffer).toBe(false);
      expect(Buffer.from(copy).equals(Buffer.from(view))).toBe(true);
      shared.fill(0);
      expect(copy.some((byte) => byte !== 0) || length === 0).toBe(true);
    }
  });
});
