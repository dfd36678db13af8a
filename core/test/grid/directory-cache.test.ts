// The directory cache and the group commit of directory changes (core/src/dirnode/dir-cache.ts,
// change-queue.ts): other writers' changes are seen, nothing is lost with several writers, a
// stale cache never costs an update, and read-cap holders never see write caps.
import { afterEach, describe, expect, it } from 'vitest';
import { mutableReadCap } from '../../src/caps/derive.js';
import type { Cap } from '../../src/caps/cap.js';
import type { DirectoryError } from '../../src/dirnode/entries.js';
import { Grid } from '../../src/grid/grid.js';
import type { StorageNode } from '../../src/storage/node.js';
import { makeGrid, patternBytes, type TestGrid } from './make-grid.js';

let current: TestGrid | undefined;
const others: Grid[] = [];
afterEach(async () => {
  await current?.grid.close();
  current = undefined;
  for (const grid of others.splice(0)) await grid.close();
});

/** A manual clock: time moves only when a test says so. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

/** Another writer on the same nodes with no shared state: as another process would be. */
function otherProcess(nodes: readonly StorageNode[], now?: () => number): Grid {
  const grid = new Grid({
    nodes,
    encoding: { k: 3, happy: 4, n: 5 },
    threads: 0,
    ...(now === undefined ? {} : { directoryCache: { now } }),
  });
  others.push(grid);
  return grid;
}

async function setup(now?: () => number) {
  current = makeGrid();
  const grid = now === undefined ? current.grid : otherProcess(current.nodes, now);
  const root = await grid.createDirectory();
  const file = (await grid.uploadBytes(patternBytes(100), { key: 'random' })).cap;
  return { grid, nodes: current.nodes, root, file };
}

/** Counts publishes of a directory: one test-and-set of its share 0 each. */
function countPublishes(nodes: readonly StorageNode[]): { count: () => number } {
  let count = 0;
  for (const n of nodes) {
    const testAndSet = n.testAndSetShare.bind(n);
    n.testAndSetShare = (si, shnum, test, data) => {
      if (shnum === 0) count++;
      return testAndSet(si, shnum, test, data);
    };
  }
  return { count: () => count };
}

const names = async (grid: Grid, dir: Cap, maxAgeMs?: number): Promise<string[]> =>
  (await grid.listDirectory(dir, maxAgeMs === undefined ? {} : { maxAgeMs })).map((e) => e.name);

describe('directory cache', () => {
  it('sees a change another process made at once, by default', async () => {
    const { grid, nodes, root, file } = await setup();
    await grid.addChild(root, 'mine', file);
    expect(await names(grid, root)).toEqual(['mine']);
    const other = otherProcess(nodes);
    await other.addChild(root, 'theirs', file);
    expect(await names(grid, root)).toEqual(['mine', 'theirs']);
    expect(await grid.getChild(root, 'theirs')).toBeDefined();
    await other.deleteChild(root, 'mine');
    expect(await grid.getChild(root, 'mine')).toBeUndefined();
  });

  it('does not download an unchanged directory again', async () => {
    const { grid, nodes, root, file } = await setup();
    await grid.addChild(root, 'a', file);
    await grid.listDirectory(root);
    let bodyReads = 0;
    for (const node of nodes) {
      const readShare = node.readShare.bind(node);
      // Header reads (offset 0) map the servers; anything further in is content.
      node.readShare = (si, shnum, offset, length) => {
        if (offset > 0) bodyReads++;
        return readShare(si, shnum, offset, length);
      };
    }
    expect(await names(grid, root)).toEqual(['a']);
    expect(bodyReads).toBe(0);
    await otherProcess(nodes).addChild(root, 'b', file);
    expect(await names(grid, root)).toEqual(['a', 'b']);
    expect(bodyReads).toBeGreaterThan(0);
  });

  it('with maxAgeMs, answers from memory within the window and sees the other process after it', async () => {
    const clock = manualClock();
    const { grid, nodes, root, file } = await setup(clock.now);
    await grid.addChild(root, 'mine', file);
    await otherProcess(nodes).addChild(root, 'theirs', file);
    // Within the window: the listing this process last saw (bounded staleness, by request).
    expect(await names(grid, root, 1000)).toEqual(['mine']);
    // ...but never for a reader that does not ask for it.
    expect(await names(grid, root)).toEqual(['mine', 'theirs']);
    await otherProcess(nodes).addChild(root, 'later', file);
    expect(await names(grid, root, 1000)).toEqual(['mine', 'theirs']);
    clock.advance(1000);
    expect(await names(grid, root, 1000)).toEqual(['later', 'mine', 'theirs']);
  });

  it('sees its own changes at once, whatever the window', async () => {
    const clock = manualClock();
    const { grid, root, file } = await setup(clock.now);
    expect(await names(grid, root, 60_000)).toEqual([]);
    await grid.addChild(root, 'a', file);
    expect(await names(grid, root, 60_000)).toEqual(['a']);
    await grid.moveChild(root, 'a', root, 'b');
    expect(await names(grid, root, 60_000)).toEqual(['b']);
    await grid.deleteChild(root, 'b');
    expect(await names(grid, root, 60_000)).toEqual([]);
  });

  it('never loses a change because its cache was stale: test-and-set re-reads', async () => {
    const clock = manualClock();
    const { grid, nodes, root, file } = await setup(clock.now);
    await grid.addChild(root, 'first', file);
    const other = otherProcess(nodes);
    await other.addChild(root, 'theirs', file);
    // This grid still trusts its listing without 'theirs'...
    expect(await names(grid, root, 60_000)).toEqual(['first']);
    // ...and its change lands on the version the shares really hold.
    await grid.addChild(root, 'mine', file);
    expect(await names(grid, root, 60_000)).toEqual(['first', 'mine', 'theirs']);
    // A precondition is checked on the real version too, not on the stale listing.
    await other.addChild(root, 'taken', file);
    await expect(grid.addChild(root, 'taken', file, { mode: 'no-overwrite' })).rejects.toMatchObject({
      code: 'exists',
    });
    expect(await names(other, root)).toEqual(['first', 'mine', 'taken', 'theirs']);
  });

  it('loses no entry with two writers, each with a warm cache, adding at the same time', async () => {
    const { grid, nodes, root, file } = await setup();
    const other = otherProcess(nodes);
    await grid.listDirectory(root);
    await other.listDirectory(root);
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => grid.addChild(root, `a${i}`, file)),
      ...Array.from({ length: 10 }, (_, i) => other.addChild(root, `b${i}`, file, { coalesce: true })),
    ]);
    expect(await names(grid, root)).toHaveLength(20);
    expect(await names(other, root)).toHaveLength(20);
    expect((await grid.check(root)).healthy).toBe(true);
  });

  it('keeps write caps from read-cap holders, whoever filled the cache', async () => {
    const { grid, root } = await setup();
    const sub = await grid.createDirectory();
    await grid.addChild(root, 'sub', sub);
    const readOnly = mutableReadCap(root);
    expect((await grid.getChild(root, 'sub', { maxAgeMs: 60_000 }))?.writeCap).toBeDefined();
    const seen = await grid.listDirectory(readOnly, { maxAgeMs: 60_000 });
    expect(seen.map((e) => e.name)).toEqual(['sub']);
    expect(seen[0]?.writeCap).toBeUndefined();
    expect((await grid.getChild(readOnly, 'sub', { maxAgeMs: 60_000 }))?.writeCap).toBeUndefined();
    // And the other way round: a cache filled through the read cap does not serve the writer.
    const fresh = otherProcess(current!.nodes);
    await fresh.listDirectory(readOnly);
    expect((await fresh.getChild(root, 'sub', { maxAgeMs: 60_000 }))?.writeCap).toBeDefined();
  });
});

describe('group commit of directory changes', () => {
  it('publishes changes that meet in time together, each answered with its own result', async () => {
    const { grid, nodes, root, file } = await setup();
    await grid.addChild(root, 'taken', file);
    const publishes = countPublishes(nodes);
    const results = await Promise.allSettled([
      ...Array.from({ length: 12 }, (_, i) => grid.addChild(root, `f${i}`, file)),
      grid.addChild(root, 'taken', file, { mode: 'no-overwrite' }),
      grid.deleteChild(root, 'nothing-here', { mustExist: true }),
    ]);
    expect(results.slice(0, 12).every((r) => r.status === 'fulfilled')).toBe(true);
    const failures = results
      .slice(12)
      .map((r) => (r.status === 'rejected' ? (r.reason as DirectoryError).code : 'ok'));
    expect(failures).toEqual(['exists', 'no-such-child']);
    expect(await names(grid, root)).toHaveLength(13);
    // One publish for the first change, one for everything that queued behind it.
    expect(publishes.count()).toBeLessThan(12);
  });

  it('a link that nobody waits on at once still publishes on its own', async () => {
    const { grid, root, file } = await setup();
    await grid.addChild(root, 'lazy', file, { coalesce: true });
    expect(await names(grid, root)).toEqual(['lazy']);
  });
});
