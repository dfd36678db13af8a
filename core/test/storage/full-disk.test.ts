// A full disk must surface as StorageFullError, leave nothing visible, and not wedge the node.
// Two ways: a real 1 MiB tmpfs (needs root; skipped with the reason otherwise) and injected errors.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { base32Encode } from '../../src/util/base32.js';
import { LocalDirectoryNode, StorageFullError, StorageNodeError } from '../../src/storage/index.js';
import { Grid } from '../../src/grid/grid.js';
import { bytesSource } from '../../src/util/byte-source.js';

const newSi = (): string => base32Encode(randomBytes(16));
const KiB = 1024;

async function tempFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(dir, 'tmp'), { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

async function shareCount(node: LocalDirectoryNode): Promise<number> {
  let count = 0;
  for await (const si of node.listStorageIndexes()) count += (await node.listShares(si)).length;
  return count;
}

describe('LocalDirectoryNode on a full file system (1 MiB tmpfs)', () => {
  let mountPoint = '';
  let skipReason: string | undefined;
  let node: LocalDirectoryNode | undefined;

  beforeAll(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'grid-tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    } catch (err) {
      skipReason = `cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN): ${String(err).split('\n')[0]}`;
    }
  });

  afterAll(async () => {
    if (skipReason === undefined) execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    await rm(mountPoint, { recursive: true, force: true });
  });

  beforeEach(async (ctx) => {
    ctx.skip(skipReason !== undefined, skipReason);
    node = await LocalDirectoryNode.create(join(mountPoint, 'node'));
  });

  afterEach(async () => {
    await node?.close();
    node = undefined;
    if (skipReason === undefined) await rm(join(mountPoint, 'node'), { recursive: true, force: true });
  });

  it('reports the tmpfs size as total space', async () => {
    const space = await node!.space();
    expect(space.totalBytes).toBe(1024 * KiB);
    expect(space.freeBytes).toBeLessThanOrEqual(space.totalBytes);
    expect(space.freeBytes).toBeGreaterThan(900 * KiB);
  });

  it('turns ENOSPC during a streamed write into StorageFullError, frees the space, and keeps working', async () => {
    const si = newSi();
    const freeBefore = (await node!.space()).freeBytes;
    const writer = await node!.createShare(si, 0);
    const error = await (async () => {
      for (let i = 0; i < 40; i++) await writer.write(randomBytes(64 * KiB));
      await writer.commit();
    })().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as StorageFullError).cause).toMatchObject({ code: 'ENOSPC' });
    await writer.abort();

    expect(await node!.listShares(si)).toEqual([]);
    expect(await shareCount(node!)).toBe(0);
    expect(await tempFiles(node!.location)).toEqual([]);
    const space = await node!.space();
    expect(space.usedBytes).toBe(0);
    expect(space.freeBytes).toBe(freeBefore);

    const small = await node!.createShare(si, 1);
    await small.write(new Uint8Array([1, 2, 3]));
    await small.commit();
    expect(await node!.readShare(si, 1, 0, 10)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('fails every write of a group that met ENOSPC, and every write after it, and frees the space', async () => {
    const si = newSi();
    const freeBefore = (await node!.space()).freeBytes;
    const writer = await node!.createShare(si, 0);
    // Not awaited, as the upload pipeline writes: later calls join one writev (LocalShareWriter.write).
    const writes = Array.from({ length: 40 }, () => writer.write(randomBytes(64 * KiB)));
    // All called before the first ran: one group of 2.5 MiB, which the kernel writes in part.
    for (const outcome of await Promise.allSettled(writes)) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(StorageFullError);
    }
    await expect(writer.write(new Uint8Array(10))).rejects.toBeInstanceOf(StorageFullError);
    await writer.abort();
    expect(await tempFiles(node!.location)).toEqual([]);
    expect((await node!.space()).freeBytes).toBe(freeBefore);
  });

  it('fills up with small (packed) shares: StorageFullError, every committed share intact, no empty packs left', async () => {
    const committed = new Map<string, Uint8Array>();
    let error: unknown;
    for (let i = 0; i < 400 && error === undefined; i++) {
      const si = newSi();
      const data = randomBytes(8 * KiB);
      const writer = await node!.createShare(si, 0);
      await writer.write(data);
      error = await writer.commit().then(
        () => void committed.set(si, data),
        (err: unknown) => err,
      );
    }
    expect(error).toBeInstanceOf(StorageFullError);
    expect(committed.size).toBeGreaterThan(50);
    for (let i = 0; i < 3; i++) {
      const writer = await node!.createShare(newSi(), 0);
      await writer.write(randomBytes(8 * KiB));
      await expect(writer.commit()).rejects.toBeInstanceOf(StorageFullError);
    }
    // Failed appends left neither torn bytes nor empty packs behind; all committed shares read back.
    const packs = await readdir(join(node!.location, 'packs'));
    expect(packs).toHaveLength(1);
    for (const [si, data] of committed) {
      expect(Buffer.from(await node!.readShare(si, 0, 0, 16 * KiB)).equals(data)).toBe(true);
    }
    await node!.close();
    node = await LocalDirectoryNode.open(join(mountPoint, 'node'));
    expect(await shareCount(node)).toBe(committed.size);
  });

  it('frees the space of a share aborted while its file is lent at once, not when the file comes back', async () => {
    const freeBefore = (await node!.space()).freeBytes;
    const writer = await node!.createShare(newSi(), 0);
    const sink = await writer.positionalSink?.(600 * KiB);
    if (sink === undefined) throw new Error('a 600 KiB share is lent');
    writeSync(sink.fd, randomBytes(600 * KiB), 0, 600 * KiB, sink.base);
    sink.wrote(600 * KiB);
    // Another share on this file system failed for want of space: this upload gives up.
    await writer.abort();
    expect((await node!.space()).freeBytes).toBe(freeBefore);
    writeSync(sink.fd, randomBytes(4 * KiB), 0, 4 * KiB, sink.base + 300 * KiB); // a worker still busy
    await sink.release();
    expect(await tempFiles(node!.location)).toEqual([]);
  });

  // The upload's workers write the blocks of big shares themselves (SegmentPipeline): their
  // ENOSPC must fail that one share as a failing write does, and the others carry the upload.
  it.each([2, 0])(
    'uploads a file while this node fills up under it (%i worker threads): its share fails alone, its space comes back',
    async (threads) => {
      const others = await mkdtemp(join(tmpdir(), 'grid-others-'));
      const nodes = [node!];
      for (let i = 0; i < 4; i++) nodes.push(await LocalDirectoryNode.create(join(others, `n${i}`)));
      const grid = new Grid({ nodes, encoding: { k: 3, happy: 4, n: 5 }, threads });
      try {
        const freeBefore = (await node!.space()).freeBytes;
        const data = new Uint8Array(randomBytes(6 * 1024 * KiB)); // 2 MiB per share: more than the tmpfs
        const report = await grid.upload(bytesSource(data), { key: 'random' });
        expect(report.happiness).toBe(4);
        expect(report.problems).toEqual([
          {
            nodeId: node!.id,
            shnum: expect.any(Number) as number,
            reason: expect.stringMatching(/no space left/) as string,
          },
        ]);
        expect(report.placements.map((placement) => placement.nodeId)).not.toContain(node!.id);
        expect(Buffer.from(await grid.readAll(report.cap)).equals(data)).toBe(true);
        expect(await shareCount(node!)).toBe(0);
        expect(await tempFiles(node!.location)).toEqual([]);
        expect((await node!.space()).freeBytes).toBe(freeBefore);
      } finally {
        await grid.close();
        for (const other of nodes.slice(1)) await other.close();
        await rm(others, { recursive: true, force: true });
      }
    },
  );

  it('turns ENOSPC in test-and-set into StorageFullError and leaves the old share', async () => {
    const si = newSi();
    expect(await node!.testAndSetShare(si, 0, 'absent', new Uint8Array([1]))).toEqual({ ok: true });
    await expect(
      node!.testAndSetShare(
        si,
        0,
        { offset: 0, expected: new Uint8Array([1]) },
        new Uint8Array(2 * 1024 * KiB),
      ),
    ).rejects.toBeInstanceOf(StorageFullError);
    expect(await node!.readShare(si, 0, 0, 10)).toEqual(new Uint8Array([1]));
    expect(await tempFiles(node!.location)).toEqual([]);
    expect(
      await node!.testAndSetShare(si, 0, { offset: 0, expected: new Uint8Array([1]) }, new Uint8Array([2])),
    ).toEqual({ ok: true });
  });
});

describe('LocalDirectoryNode with injected file system errors', () => {
  let root: string;
  let node: LocalDirectoryNode;
  let fileHandleProto: { write: (...args: unknown[]) => Promise<unknown> };

  const failure = (code: string): Error => Object.assign(new Error(`${code}: simulated`), { code });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'grid-inject-'));
    node = await LocalDirectoryNode.create(join(root, 'node'));
    const handle = await open(join(root, 'node', 'node.json'), 'r');
    fileHandleProto = Object.getPrototypeOf(handle) as typeof fileHandleProto;
    await handle.close();
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await node.close();
    await rm(root, { recursive: true, force: true });
  });

  it.each(['ENOSPC', 'EDQUOT'])('maps %s on a share write to StorageFullError', async (code) => {
    const si = newSi();
    const writer = await node.createShare(si, 0);
    // Bigger than a small share, which is held back and written at commit (see the next test).
    await writer.write(new Uint8Array(100 * KiB));
    vi.spyOn(fileHandleProto, 'write').mockRejectedValueOnce(failure(code));
    await expect(writer.write(new Uint8Array(100))).rejects.toBeInstanceOf(StorageFullError);
    await expect(writer.commit()).rejects.toBeInstanceOf(StorageFullError);
    await writer.abort();
    expect(await node.listShares(si)).toEqual([]);
    expect(await tempFiles(node.location)).toEqual([]);

    vi.spyOn(fileHandleProto, 'write').mockRejectedValueOnce(failure(code));
    await expect(node.testAndSetShare(si, 0, 'absent', new Uint8Array(5))).rejects.toBeInstanceOf(
      StorageFullError,
    );
    expect(await node.listShares(si)).toEqual([]);
    expect(await tempFiles(node.location)).toEqual([]);
    expect(await node.testAndSetShare(si, 0, 'absent', new Uint8Array(5))).toEqual({ ok: true });
  });

  it("reports a small share's write failure at its commit, where its bytes are written", async () => {
    const si = newSi();
    const writer = await node.createShare(si, 0);
    await writer.write(new Uint8Array(100));
    await writer.write(new Uint8Array(200));
    const written = vi.spyOn(fileHandleProto, 'write').mockRejectedValueOnce(failure('ENOSPC'));
    await expect(writer.commit()).rejects.toBeInstanceOf(StorageFullError);
    expect(written).toHaveBeenCalledTimes(1); // both writes in one
    await writer.abort();
    expect(await node.listShares(si)).toEqual([]);
    expect(await tempFiles(node.location)).toEqual([]);
  });

  it('wraps other errors in StorageNodeError with the cause', async () => {
    const writer = await node.createShare(newSi(), 0);
    vi.spyOn(fileHandleProto, 'write').mockRejectedValueOnce(failure('EIO'));
    const error = await writer.write(new Uint8Array(100 * KiB)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StorageNodeError);
    expect(error).not.toBeInstanceOf(StorageFullError);
    expect((error as Error).message).toMatch(/EIO/);
    expect((error as Error).cause).toMatchObject({ code: 'EIO' });
    await writer.abort();
  });
});
