// The StorageNode contract, run against every in-tree backend so they keep the same semantics.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { base32Encode } from '../../src/util/base32.js';
import {
  LocalDirectoryNode,
  MemoryNode,
  ShareNotFoundError,
  StorageNodeError,
} from '../../src/storage/index.js';
import type { StorageNode } from '../../src/storage/index.js';

const newSi = (): string => base32Encode(randomBytes(16));
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

/** A mutable share whose first 4 bytes are a version counter, then the id of the writer. */
function versioned(version: number, writer = 0): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, version);
  view.setUint32(4, writer);
  return out;
}

async function put(node: StorageNode, si: string, shnum: number, data: Uint8Array): Promise<void> {
  const writer = await node.createShare(si, shnum);
  await writer.write(data);
  await writer.commit();
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const backends: Array<[string, () => Promise<StorageNode>]> = [
  [
    'LocalDirectoryNode',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'grid-contract-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const node = await LocalDirectoryNode.create(join(dir, 'node'));
      cleanups.push(() => node.close());
      return node;
    },
  ],
  ['MemoryNode', () => Promise.resolve(new MemoryNode())],
];

describe.each(backends)('%s contract', (_name, makeNode) => {
  it('writes a share in chunks and reads ranges, short and empty at EOF', async () => {
    const node = await makeNode();
    const si = newSi();
    const writer = await node.createShare(si, 7);
    await writer.write(bytes(1, 2, 3));
    await writer.write(new Uint8Array(0));
    await writer.write(bytes(4, 5));
    await writer.commit();

    expect(await node.readShare(si, 7, 0, 5)).toEqual(bytes(1, 2, 3, 4, 5));
    expect(await node.readShare(si, 7, 1, 2)).toEqual(bytes(2, 3));
    expect(await node.readShare(si, 7, 3, 100)).toEqual(bytes(4, 5));
    expect(await node.readShare(si, 7, 5, 10)).toEqual(bytes());
    expect(await node.readShare(si, 7, 99, 10)).toEqual(bytes());
    expect(await node.readShare(si, 7, 2, 0)).toEqual(bytes());
  });

  it('lists, deletes, and reports missing shares', async () => {
    const node = await makeNode();
    const [a, b] = [newSi(), newSi()];
    await put(node, a, 2, bytes(1, 2));
    await put(node, a, 0, bytes(9));
    await put(node, b, 255, bytes(1, 2, 3));

    expect(await node.listShares(a)).toEqual([
      { shnum: 0, size: 1 },
      { shnum: 2, size: 2 },
    ]);
    expect(await node.listShares(newSi())).toEqual([]);
    expect(await collect(node.listStorageIndexes())).toEqual([a, b].sort());

    await node.deleteShare(a, 2);
    await node.deleteShare(a, 2); // deleting a missing share is fine
    await expect(node.readShare(a, 2, 0, 1)).rejects.toBeInstanceOf(ShareNotFoundError);
    expect(await node.listShares(a)).toEqual([{ shnum: 0, size: 1 }]);

    await node.deleteShare(a, 0);
    expect(await collect(node.listStorageIndexes())).toEqual([b]);
  });

  it('replaces a share on commit, and aborted writers leave nothing', async () => {
    const node = await makeNode();
    const si = newSi();
    await put(node, si, 1, bytes(1, 1, 1));

    const aborted = await node.createShare(si, 1);
    await aborted.write(bytes(2, 2));
    await aborted.abort();
    await aborted.abort(); // twice is fine
    await expect(aborted.write(bytes(3))).rejects.toBeInstanceOf(StorageNodeError);
    await expect(aborted.commit()).rejects.toBeInstanceOf(StorageNodeError);
    expect(await node.readShare(si, 1, 0, 10)).toEqual(bytes(1, 1, 1));

    const fresh = await node.createShare(newSi(), 0);
    await fresh.write(bytes(5));
    await fresh.abort();
    expect(await collect(node.listStorageIndexes())).toEqual([si]);

    await put(node, si, 1, bytes(4));
    expect(await node.readShare(si, 1, 0, 10)).toEqual(bytes(4));
  });

  it('copies data in and out, so callers cannot alias stored shares', async () => {
    const node = await makeNode();
    const si = newSi();
    const chunk = bytes(1, 2, 3);
    const writer = await node.createShare(si, 0);
    await writer.write(chunk);
    chunk[0] = 99;
    await writer.commit();
    const read = await node.readShare(si, 0, 0, 3);
    read[1] = 99;
    expect(await node.readShare(si, 0, 0, 3)).toEqual(bytes(1, 2, 3));

    const data = versioned(1);
    await node.testAndSetShare(si, 1, 'absent', data);
    data[0] = 99;
    expect(await node.readShare(si, 1, 0, 8)).toEqual(versioned(1));
  });

  it('test-and-set: absent, matching and mismatching tests', async () => {
    const node = await makeNode();
    const si = newSi();
    expect(await node.testAndSetShare(si, 0, { offset: 0, expected: bytes(0) }, versioned(1))).toEqual({
      ok: false,
      current: null,
    });
    expect(await node.testAndSetShare(si, 0, 'absent', versioned(1))).toEqual({ ok: true });
    expect(await node.testAndSetShare(si, 0, 'absent', versioned(9))).toEqual({
      ok: false,
      current: versioned(1),
    });

    const v1 = versioned(1).subarray(0, 4);
    expect(await node.testAndSetShare(si, 0, { offset: 0, expected: v1 }, versioned(2, 5))).toEqual({
      ok: true,
    });
    expect(await node.readShare(si, 0, 0, 8)).toEqual(versioned(2, 5));

    // Mismatch: the current bytes of the tested range come back, and nothing changes.
    expect(await node.testAndSetShare(si, 0, { offset: 0, expected: v1 }, versioned(3))).toEqual({
      ok: false,
      current: versioned(2).subarray(0, 4),
    });
    // A test reaching past the end sees the short range and fails.
    expect(await node.testAndSetShare(si, 0, { offset: 6, expected: bytes(0, 5, 0) }, versioned(3))).toEqual({
      ok: false,
      current: bytes(0, 5),
    });
    // An empty expectation only demands that the share exists.
    expect(await node.testAndSetShare(si, 0, { offset: 0, expected: bytes() }, versioned(3))).toEqual({
      ok: true,
    });
    expect(await node.readShare(si, 0, 0, 8)).toEqual(versioned(3));
  });

  it('test-and-set race: of 20 concurrent writers expecting version v, exactly one wins per round', async () => {
    const node = await makeNode();
    const si = newSi();
    expect((await node.testAndSetShare(si, 3, 'absent', versioned(0))).ok).toBe(true);
    for (let round = 0; round < 5; round++) {
      const expected = versioned(round).subarray(0, 4);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, writer) =>
          node.testAndSetShare(si, 3, { offset: 0, expected }, versioned(round + 1, writer)),
        ),
      );
      const winners = results.flatMap((result, writer) => (result.ok ? [writer] : []));
      expect(winners).toHaveLength(1);
      for (const result of results) {
        if (!result.ok) expect(result.current).toEqual(versioned(round + 1).subarray(0, 4));
      }
      expect(await node.readShare(si, 3, 0, 8)).toEqual(versioned(round + 1, winners[0]));
    }
  });

  it('rejects bad storage indexes, share numbers and ranges before touching storage', async () => {
    const node = await makeNode();
    const si = newSi();
    const badIndexes = [
      '../x',
      '..',
      '',
      'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      'abcdefghijklmnop/../../x',
      'short',
      `${si}/`,
      'a'.repeat(65),
    ];
    for (const bad of badIndexes) {
      await expect(node.createShare(bad, 0)).rejects.toBeInstanceOf(RangeError);
      await expect(node.readShare(bad, 0, 0, 1)).rejects.toBeInstanceOf(RangeError);
      await expect(node.listShares(bad)).rejects.toBeInstanceOf(RangeError);
      await expect(node.deleteShare(bad, 0)).rejects.toBeInstanceOf(RangeError);
      await expect(node.testAndSetShare(bad, 0, 'absent', bytes(1))).rejects.toBeInstanceOf(RangeError);
    }
    for (const bad of [-1, 256, 1.5, Number.NaN, Infinity]) {
      await expect(node.createShare(si, bad)).rejects.toBeInstanceOf(RangeError);
      await expect(node.readShare(si, bad, 0, 1)).rejects.toBeInstanceOf(RangeError);
      await expect(node.deleteShare(si, bad)).rejects.toBeInstanceOf(RangeError);
    }
    await expect(node.readShare(si, 0, -1, 1)).rejects.toBeInstanceOf(RangeError);
    await expect(node.readShare(si, 0, 0, -1)).rejects.toBeInstanceOf(RangeError);
    await expect(
      node.testAndSetShare(si, 0, { offset: -1, expected: bytes(1) }, bytes(1)),
    ).rejects.toBeInstanceOf(RangeError);
    expect(await collect(node.listStorageIndexes())).toEqual([]);
  });

  it('tracks used space across commits and deletes', async () => {
    const node = await makeNode();
    const si = newSi();
    const before = await node.space();
    expect(before.freeBytes).toBeLessThanOrEqual(before.totalBytes);
    await put(node, si, 0, new Uint8Array(1000));
    expect((await node.space()).usedBytes).toBe(before.usedBytes + 1000);
    await put(node, si, 0, new Uint8Array(400)); // a replacement counts once
    expect((await node.space()).usedBytes).toBe(before.usedBytes + 400);
    await node.testAndSetShare(si, 1, 'absent', new Uint8Array(50));
    expect((await node.space()).usedBytes).toBe(before.usedBytes + 450);
    await node.deleteShare(si, 0);
    await node.deleteShare(si, 1);
    expect((await node.space()).usedBytes).toBe(before.usedBytes);
  });

  it('refuses every call once closed', async () => {
    const node = await makeNode();
    const writer = await node.createShare(newSi(), 0);
    await node.close();
    await node.close();
    await expect(node.readShare(newSi(), 0, 0, 1)).rejects.toBeInstanceOf(StorageNodeError);
    await expect(node.createShare(newSi(), 0)).rejects.toBeInstanceOf(StorageNodeError);
    await expect(node.space()).rejects.toBeInstanceOf(StorageNodeError);
    await expect(writer.write(bytes(1))).rejects.toBeInstanceOf(StorageNodeError);
  });
});
