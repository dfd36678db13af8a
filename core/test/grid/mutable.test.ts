import { afterEach, describe, expect, it } from 'vitest';
import { mutableReadCap, mutableVerifyCap } from '../../src/caps/derive.js';
import { formatCap, parseCap } from '../../src/caps/text.js';
import { Grid } from '../../src/grid/grid.js';
import { bytesSource } from '../../src/util/byte-source.js';
import { makeGrid, patternBytes, sha256, type TestGrid } from './make-grid.js';

let current: TestGrid | undefined;
afterEach(async () => {
  await current?.grid.close();
  current = undefined;
});

describe('mutable files', () => {
  it('keeps one cap across versions; read caps see the newest version', async () => {
    current = makeGrid();
    const { grid } = current;
    const cap = await grid.createMutableFile(bytesSource(patternBytes(1000, 1)));
    expect(formatCap(cap)).toMatch(/^gs1-mut-[a-z2-7]+$/);
    const readCap = mutableReadCap(cap);
    expect(sha256(await grid.readAll(readCap))).toBe(sha256(patternBytes(1000, 1)));
    for (const size of [0, 5, 70_000, 2 * 1024 * 1024 + 7]) {
      await grid.replaceMutableFile(cap, bytesSource(patternBytes(size, size)));
      expect(sha256(await grid.readAll(parseCap(formatCap(readCap))))).toBe(sha256(patternBytes(size, size)));
    }
  });

  it('survives corrupt shares and lost nodes, and repairs with the verify cap', async () => {
    current = makeGrid();
    const { grid, nodes } = current;
    const data = patternBytes(50_000, 9);
    const cap = await grid.createMutableFile(bytesSource(data));
    const verifyCap = mutableVerifyCap(cap);
    const si = (await nodes[0]!.listStorageIndexes()[Symbol.asyncIterator]().next()).value as string;
    await nodes[0]!.corruptByte(si, (await nodes[0]!.listShares(si))[0]!.shnum, 300);
    nodes[1]!.offline = true;
    expect(sha256(await grid.readAll(cap))).toBe(sha256(data));
    expect((await grid.verify(verifyCap)).intact).toBe(false);
    nodes[1]!.offline = false;
    const repair = await grid.repair(verifyCap);
    expect(repair.after.intact).toBe(true);
    expect(sha256(await grid.readAll(cap))).toBe(sha256(data));
  });

  it('never loses a change made elsewhere since this grid last wrote (stale remembered version)', async () => {
    current = makeGrid();
    const other = new Grid({ nodes: current.nodes, encoding: { k: 3, happy: 4, n: 5 }, threads: 0 });
    try {
      const dir = await current.grid.createDirectory();
      const file = (await current.grid.uploadBytes(patternBytes(10), { key: 'random' })).cap;
      await current.grid.addChild(dir, 'mine-1', file); // this grid now remembers the version it wrote
      await other.addChild(dir, 'theirs', file); // ...which another writer replaces
      await current.grid.addChild(dir, 'mine-2', file); // must notice, re-map and keep "theirs"
      await other.deleteChild(dir, 'mine-1');
      await current.grid.addChild(dir, 'mine-3', file);
      expect((await current.grid.listDirectory(dir)).map((e) => e.name)).toEqual([
        'mine-2',
        'mine-3',
        'theirs',
      ]);
    } finally {
      await other.close();
    }
  });

  it('reads a directory while another writer keeps publishing it, without failing', async () => {
    current = makeGrid();
    const writer = new Grid({ nodes: current.nodes, encoding: { k: 3, happy: 4, n: 5 }, threads: 0 });
    try {
      const dir = await current.grid.createDirectory();
      const file = (await current.grid.uploadBytes(patternBytes(10), { key: 'random' })).cap;
      for (const node of current.nodes) node.delayMs = 1; // interleave reads and writes finely
      const writes = (async () => {
        for (let i = 0; i < 15; i++) await writer.addChild(dir, `f${i}`, file);
      })();
      const reads = (async () => {
        for (let i = 0; i < 40; i++) {
          const names = (await current.grid.listDirectory(dir)).map((e) => e.name);
          expect(names.every((name) => /^f\d+$/.test(name))).toBe(true);
        }
      })();
      await Promise.all([writes, reads]);
      expect(await current.grid.listDirectory(dir)).toHaveLength(15);
    } finally {
      await writer.close();
    }
  });

  it('detects a lost race and retries the change on the newer version (two grids, one file)', async () => {
    current = makeGrid();
    const other = new Grid({ nodes: current.nodes, encoding: { k: 3, happy: 4, n: 5 }, threads: 0 });
    try {
      const dir = await current.grid.createDirectory();
      let lostRaces = 0;
      for (const node of current.nodes) {
        const testAndSet = node.testAndSetShare.bind(node);
        node.testAndSetShare = async (...args) => {
          const result = await testAndSet(...args);
          if (!result.ok) lostRaces++;
          return result;
        };
      }
      // Separate Grid objects share no in-process lock, like two processes: only test-and-set protects them.
      const file = await current.grid.uploadBytes(patternBytes(10), { key: 'random' });
      await Promise.all([
        ...Array.from({ length: 12 }, (_, i) => current!.grid.addChild(dir, `a${i}`, file.cap)),
        ...Array.from({ length: 12 }, (_, i) => other.addChild(dir, `b${i}`, file.cap)),
      ]);
      const names = (await current.grid.listDirectory(dir)).map((e) => e.name).sort();
      expect(names).toHaveLength(24);
      expect(lostRaces).toBeGreaterThan(0); // the race really happened
      expect((await current.grid.check(dir)).healthy).toBe(true);
    } finally {
      await other.close();
    }
  });
});
