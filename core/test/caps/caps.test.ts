import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CapError, type Cap } from '../../src/caps/cap.js';
import {
  mutableReadCap,
  mutableVerifyCap,
  readCapOf,
  verifyCapOf,
  chkVerifyCap,
} from '../../src/caps/derive.js';
import { formatCap, parseCap } from '../../src/caps/text.js';
import { base32Decode, base32Encode } from '../../src/util/base32.js';

const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

const anyCap: fc.Arbitrary<Cap> = fc.oneof(
  fc.uint8Array({ maxLength: 55 }).map((data) => ({ kind: 'lit' as const, data })),
  fc
    .tuple(bytesOf(16), bytesOf(32), fc.integer({ min: 1, max: 256 }), fc.integer({ min: 56, max: 2 ** 40 }))
    .chain(([key, uebHash, k, size]) =>
      fc.integer({ min: k, max: 256 }).map((n) => ({ kind: 'chk-read' as const, key, uebHash, k, n, size })),
    ),
  fc
    .tuple(bytesOf(32), fc.constantFrom('file' as const, 'dir' as const))
    .map(([seed, flavor]) => ({ kind: 'mutable-write' as const, flavor, seed })),
);

describe('caps', () => {
  it('base32 round-trips and rejects anything not canonical', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (data) => {
        expect(base32Decode(base32Encode(data))).toEqual(data);
      }),
    );
    expect(base32Decode('ABC')).toBeUndefined();
    expect(base32Decode('a1')).toBeUndefined();
    expect(base32Decode('ab')).toBeUndefined(); // non-zero padding bits
  });

  it('formats and parses every kind back to the same cap, and diminishes one way', () => {
    fc.assert(
      fc.property(anyCap, (cap) => {
        const text = formatCap(cap);
        expect(text).toMatch(/^gs1-[a-z]+(-[a-z0-9]*)+$/);
        expect(text).not.toContain('/');
        expect(parseCap(text)).toEqual(cap);
        const read = readCapOf(cap);
        if (read !== undefined) expect(parseCap(formatCap(read))).toEqual(read);
        const verify = verifyCapOf(cap);
        if (verify !== undefined) expect(parseCap(formatCap(verify))).toEqual(verify);
      }),
      { numRuns: 60 },
    );
  });

  it('read and verify caps cannot climb back', () => {
    const write = {
      kind: 'mutable-write' as const,
      flavor: 'dir' as const,
      seed: new Uint8Array(32).fill(7),
    };
    const read = mutableReadCap(write);
    const verify = mutableVerifyCap(read);
    expect(mutableVerifyCap(write)).toEqual(verify);
    expect(readCapOf(read)).toBe(read);
    expect(readCapOf(verify)).toBeUndefined();
    const chk = {
      kind: 'chk-read' as const,
      key: new Uint8Array(16),
      uebHash: new Uint8Array(32),
      k: 3,
      n: 5,
      size: 100,
    };
    expect(readCapOf(chkVerifyCap(chk))).toBeUndefined();
  });

  it('passes unknown caps through and refuses malformed caps of ours', () => {
    expect(parseCap('URI:CHK:abc:def:3:10:1234')).toEqual({
      kind: 'unknown',
      text: 'URI:CHK:abc:def:3:10:1234',
    });
    expect(parseCap('gs1-hologram-xyz')).toEqual({ kind: 'unknown', text: 'gs1-hologram-xyz' });
    for (const bad of [
      '',
      'a/b',
      'gs1-chk-aa',
      'gs1-lit-A',
      'gs1-mut-abc',
      'gs1-chk-' + 'a'.repeat(26) + '-' + 'a'.repeat(52) + '-0-5-100',
      'gs1-chk-' + 'a'.repeat(26) + '-' + 'a'.repeat(52) + '-3-2-100',
      'gs1-lit-' + 'a'.repeat(100),
    ]) {
      expect(() => parseCap(bad), bad).toThrow(CapError);
    }
  });
});
