import { describe, expect, it } from 'vitest';
import { MemoryNode } from '../../src/storage/memory-node.js';
import { makeGrid, patternBytes, sha256 } from './make-grid.js';

describe('a node joining a running grid', () => {
  it('takes shares of later uploads while earlier files stay readable', async () => {
    const { grid } = makeGrid({ nodes: 3, k: 2, happy: 3, n: 3 });
    try {
      const before = patternBytes(10_000, 1);
      const { cap: old } = await grid.uploadBytes(before, { key: 'random' });
      const joined = new MemoryNode({ id: 'node-new' });
      grid.addNode(joined);
      expect(() => grid.addNode(joined)).toThrow(/already in this grid/);
      // Placement follows each file's own ring: over a few uploads the new node gets shares.
      const caps = [];
      for (let i = 0; i < 12; i++)
        caps.push((await grid.uploadBytes(patternBytes(5_000, i + 2), { key: 'random' })).cap);
      let held = 0;
      for await (const _si of joined.listStorageIndexes()) held++;
      expect(held).toBeGreaterThan(0);
      expect(sha256(await grid.readAll(old))).toBe(sha256(before));
      for (const [i, cap] of caps.entries())
        expect(sha256(await grid.readAll(cap))).toBe(sha256(patternBytes(5_000, i + 2)));
    } finally {
      await grid.close();
    }
  });
});
