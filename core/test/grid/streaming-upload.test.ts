// StreamingUpload: an immutable file coded while its size is still unknown (DESIGN §3). What it
// stores must be an ordinary CHK file: read back bit-exact, every block and hash checked by
// verify, on in-memory nodes and on real share files (LocalDirectoryNode's in-place write).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Grid } from '../../src/grid/grid.js';
import { LocalDirectoryNode } from '../../src/storage/local-node.js';
import type { StreamingUpload } from '../../src/immutable/streaming-upload.js';
import { makeGrid, patternBytes, sha256 } from './make-grid.js';

const grids: Grid[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(grids.splice(0).map((grid) => grid.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Appends `content` in pieces of `piece` bytes (odd sizes cross the segment boundaries). */
async function feed(upload: StreamingUpload, content: Uint8Array, piece: number): Promise<void> {
  for (let at = 0; at < content.length; at += piece)
    await upload.append(content.subarray(at, Math.min(content.length, at + piece)));
}

/** In-memory nodes and segments of 999 bytes (a multiple of k), the grid closed after the test. */
function smallGrid(threads?: number): ReturnType<typeof makeGrid> {
  const made = makeGrid({ maxSegmentSize: 1000, ...(threads === undefined ? {} : { threads }) });
  grids.push(made.grid);
  return made;
}

async function startStream(grid: Grid): Promise<StreamingUpload> {
  const upload = await grid.startStreamingUpload();
  if (upload === undefined) throw new Error('these nodes write in place: a stream must be offered');
  return upload;
}

async function storageIndexes(grid: Grid): Promise<Set<string>> {
  const found = new Set<string>();
  for (const node of grid.nodes) for await (const si of node.listStorageIndexes()) found.add(si);
  return found;
}

describe('StreamingUpload', () => {
  it('stores a file that reads back and verifies, whatever its size past one segment', async () => {
    // A small segment size so that sizes around segment boundaries are cheap; 999 is a multiple of k.
    const { grid } = smallGrid(1);
    const segment = grid.fullSegmentSize;
    expect(segment).toBe(999);
    for (const size of [segment, segment + 1, 2 * segment, 2 * segment + 1, 7 * segment - 5, 20_000]) {
      const content = patternBytes(size, size);
      const upload = await startStream(grid);
      await feed(upload, content, 317);
      expect(upload.length).toBe(size);
      const report = await upload.finish();
      expect(report.cap).toMatchObject({ kind: 'chk-read', size, k: 3, n: 5 });
      expect(report.happiness).toBe(5);
      const reader = await grid.openFile(report.cap);
      expect(sha256(await reader.read(0, size))).toBe(sha256(content));
      const verified = await grid.verify(report.cap);
      expect(verified.intact).toBe(true);
    }
  });

  it('writes real share files in place on local nodes, reads them back before the commit, and leaves no temp file when aborted', async () => {
    const root = await mkdtemp(join(tmpdir(), 'grid-streaming-'));
    dirs.push(root);
    const nodes = await Promise.all(
      Array.from({ length: 5 }, (_, i) => LocalDirectoryNode.create(join(root, `node-${i}`))),
    );
    const grid = new Grid({ nodes, encoding: { k: 3, happy: 4, n: 5 }, threads: 1 });
    grids.push(grid);
    const content = patternBytes(3 * 1024 * 1024 + 12_345, 5);
    const upload = await startStream(grid);
    await feed(upload, content, 255 * 1024);
    expect(sha256(await upload.readBack(0, content.length))).toBe(sha256(content));
    const edge = 1024 * 1024 - 5; // across the first segment boundary (1 MiB - 1, a multiple of 3)
    expect(sha256(await upload.readBack(edge, 10))).toBe(sha256(content.subarray(edge, edge + 10)));
    const report = await upload.finish();
    expect(sha256(await (await grid.openFile(report.cap)).read(0, content.length))).toBe(sha256(content));
    expect((await grid.verify(report.cap)).intact).toBe(true);

    const before = await storageIndexes(grid);
    const dropped = await startStream(grid);
    await feed(dropped, content.subarray(0, 2 * 1024 * 1024), 64 * 1024);
    await dropped.abort();
    expect(await storageIndexes(grid)).toEqual(before);
    for (let i = 0; i < 5; i++) {
      const scratch = await readdir(join(root, `node-${i}`, 'tmp'), { recursive: true });
      expect(scratch.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    }
  });

  it('refuses to finish below one segment, and to take bytes once aborted', async () => {
    const { grid } = smallGrid();
    const upload = await startStream(grid);
    await upload.append(patternBytes(998));
    await expect(upload.finish()).rejects.toThrow(/at least 999 bytes/);
    await upload.abort();
    await expect(upload.append(patternBytes(10))).rejects.toThrow(/aborted/);
    expect(await storageIndexes(grid)).toEqual(new Set());
  });

  it('survives a node that fails mid-stream while `happy` nodes remain, and fails clearly below', async () => {
    const { grid, nodes } = smallGrid();
    const content = patternBytes(10_000, 3);
    const upload = await startStream(grid);
    await feed(upload, content.subarray(0, 4000), 500);
    (nodes[1] as (typeof nodes)[number]).throwOnWrite = true;
    await feed(upload, content.subarray(4000), 500);
    const report = await upload.finish();
    expect(report.happiness).toBe(4);
    expect(report.problems.some((problem) => problem.nodeId === 'node-1')).toBe(true);
    expect(sha256(await (await grid.openFile(report.cap)).read(0, content.length))).toBe(sha256(content));

    const failing = await startStream(grid);
    await feed(failing, content.subarray(0, 3000), 500);
    (nodes[2] as (typeof nodes)[number]).throwOnWrite = true;
    const rest = feed(failing, content.subarray(3000), 500).then(() => failing.finish());
    await expect(rest).rejects.toThrow(/reached only 3 distinct storage node\(s\) but 4 are required/);
  });

  it('reads back what it took, from the shares and the slot, while k intact shares of each segment remain', async () => {
    const { grid, nodes } = smallGrid(1);
    const content = patternBytes(10_000, 9);
    const upload = await startStream(grid);
    await feed(upload, content.subarray(0, 4500), 317);
    const ranges = [
      [0, 10],
      [990, 20],
      [1000, 2997],
      [3990, 510], // the last bytes are still in the slot, not coded yet
      [0, 4500],
    ] as const;
    for (const [at, length] of ranges)
      expect(sha256(await upload.readBack(at, length))).toBe(sha256(content.subarray(at, at + length)));
    await expect(upload.readBack(4000, 501)).rejects.toThrow(/past the 4500 bytes appended/);

    // Two nodes fail: below `happy`, so the upload fails, but three shares of every segment remain.
    for (const node of nodes.slice(0, 2)) node.throwOnWrite = true;
    const rest = feed(upload, content.subarray(4500), 500).then(() => upload.finish());
    await expect(rest).rejects.toThrow(/reached only 3 distinct storage node\(s\) but 4 are required/);
    const appended = upload.length;
    expect(appended).toBeGreaterThan(4500);
    expect(sha256(await upload.readBack(0, appended))).toBe(sha256(content.subarray(0, appended)));
    // A third failure leaves two shares: a clear error, never wrong bytes.
    for (const node of nodes) node.throwOnWrite = false;
    nodes[2]!.garbage = true;
    await expect(upload.readBack(0, 999)).rejects.toThrow(
      /segment 0 .* fewer than 3 of its shares are intact/,
    );
    await upload.abort();
    await expect(upload.readBack(0, 10)).rejects.toThrow(/aborted/);
    expect(await storageIndexes(grid)).toEqual(new Set());
  });

  it('keeps the shares of a finish that failed at commit for readBack, until abort deletes them', async () => {
    const { grid, nodes } = smallGrid(1);
    const content = patternBytes(5_000, 15);
    const upload = await startStream(grid);
    expect(upload.canReadBack).toBe(true);
    await feed(upload, content, 400);
    for (const node of nodes.slice(3)) node.throwOnCommit = true;
    await expect(upload.finish()).rejects.toThrow(
      /reached only 3 distinct storage node\(s\) but 4 are required/,
    );
    // The three committed shares answer now: the writers are done with.
    expect(sha256(await upload.readBack(0, content.length))).toBe(sha256(content));
    await upload.abort();
    expect(await storageIndexes(grid)).toEqual(new Set());
    expect(nodes.map((node) => node.openWriters)).toEqual([0, 0, 0, 0, 0]);
  });

  it('is not offered when a node cannot write in place', async () => {
    const { grid, nodes } = makeGrid();
    grids.push(grid);
    (nodes[3] as (typeof nodes)[number]).appendOnly = true;
    expect(await grid.startStreamingUpload()).toBeUndefined();
    expect(await storageIndexes(grid)).toEqual(new Set());
  });
});
