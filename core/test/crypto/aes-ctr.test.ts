import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aesCtrInto, aesCtrIntoParts, aesCtrTransform } from '../../src/crypto/aes-ctr.js';

const key = new Uint8Array(32).map((_, i) => i * 7 + 1);
const iv = new Uint8Array(16).map((_, i) => 0xf0 + i); // near the top: counters carry across bytes
const bytes = (length: number, seed: number): Uint8Array =>
  new Uint8Array(length).map((_, i) => (i * 31 + seed * 17) & 0xff);

describe('AES-256-CTR into caller memory', () => {
  it('fills parts end to end exactly as one transform of the whole, from any offset', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40_000 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 1000 }),
        (lengths, offset, spare) => {
          const room = lengths.reduce((a, b) => a + b, 0);
          const sourceLength = Math.max(0, room - Math.min(room, spare));
          const source = bytes(sourceLength, offset);
          const parts = lengths.map((length) => new Uint8Array(length).fill(0xee));
          aesCtrIntoParts(key, iv, offset, source, parts);
          const joined = new Uint8Array(room);
          parts.reduce((at, part) => (joined.set(part, at), at + part.length), 0);
          const expected = aesCtrTransform(key, iv, offset, source);
          expect(Buffer.from(joined.subarray(0, sourceLength)).equals(Buffer.from(expected))).toBe(true);
          // Past the source, the parts are left as they were.
          expect(joined.subarray(sourceLength).every((b) => b === 0xee)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('decrypts in place, and refuses targets too short for the source', () => {
    const plain = bytes(50_001, 3);
    const data = plain.slice();
    aesCtrInto(key, iv, 12_345, data, data);
    expect(Buffer.from(data).equals(Buffer.from(plain))).toBe(false);
    aesCtrInto(key, iv, 12_345, data, data);
    expect([...data]).toEqual([...plain]);
    expect(() => aesCtrIntoParts(key, iv, 0, plain, [new Uint8Array(50_000)])).toThrow(RangeError);
  });
});
