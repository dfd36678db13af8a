import { describe, expect, it } from 'vitest';
import { formatCap } from '../../src/caps/text.js';
import { contentChunkHash } from '../../src/immutable/convergence.js';
import { SequentialChunkHasher } from '../../src/immutable/sequential-hasher.js';
import { makeGrid, patternBytes } from './make-grid.js';

const MiB = 1024 * 1024;

function reference(data: Uint8Array): string[] {
  const hashes: string[] = [];
  for (let at = 0; at < data.length; at += MiB)
    hashes.push(Buffer.from(contentChunkHash(data.subarray(at, at + MiB))).toString('hex'));
  return hashes;
}

const hex = (hashes: readonly Uint8Array[] | undefined): string[] | undefined =>
  hashes?.map((h) => Buffer.from(h).toString('hex'));

describe('SequentialChunkHasher', () => {
  it('hashes in-order writes exactly, and an upload given them makes the same cap', async () => {
    const { grid, secret } = makeGrid({ threads: 2 });
    try {
      const data = patternBytes(3 * MiB + 999, 5);
      const hasher = new SequentialChunkHasher();
      for (let at = 0; at < data.length; at += 100_003) hasher.write(at, data.subarray(at, at + 100_003));
      const hashes = hasher.result(data.length);
      expect(hex(hashes)).toEqual(reference(data));
      const withHashes = await grid.uploadBytes(data, {
        key: { convergenceSecret: secret, chunkHashes: hashes ?? [] },
      });
      const without = await grid.uploadBytes(data, { key: { convergenceSecret: secret } });
      expect(formatCap(withHashes.cap)).toBe(formatCap(without.cap));
    } finally {
      await grid.close();
    }
  });

  it('answers again after more writes (an fsync commit, then more data, then close)', () => {
    const data = patternBytes(2 * MiB + 10, 9);
    const hasher = new SequentialChunkHasher();
    hasher.write(0, data.subarray(0, MiB + 3));
    expect(hex(hasher.result(MiB + 3))).toEqual(reference(data.subarray(0, MiB + 3)));
    hasher.write(MiB + 3, data.subarray(MiB + 3));
    expect(hex(hasher.result(data.length))).toEqual(reference(data));
  });

  it('gives nothing for a rewrite, a gap, or another final size', () => {
    const data = patternBytes(50_000, 3);
    const rewrite = new SequentialChunkHasher();
    rewrite.write(0, data);
    rewrite.write(10, data.subarray(10, 20));
    expect(rewrite.result(data.length)).toBeUndefined();
    const gap = new SequentialChunkHasher();
    gap.write(0, data.subarray(0, 100));
    gap.write(200, data.subarray(200));
    expect(gap.result(data.length)).toBeUndefined();
    const other = new SequentialChunkHasher();
    other.write(0, data);
    expect(other.result(data.length + 1)).toBeUndefined();
    expect(hex(other.result(data.length))).toEqual(reference(data));
  });
});
