import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base32Encode } from '../../src/util/base32.js';
import { MemoryNode, StorageNodeError } from '../../src/storage/index.js';
import { FaultyNode } from '../helpers/faulty-node.js';

const newSi = (): string => base32Encode(randomBytes(16));
const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);

async function setup(): Promise<{ node: FaultyNode; si: string }> {
  const node = new FaultyNode(new MemoryNode({ id: 'm-inner' }));
  const si = newSi();
  const writer = await node.createShare(si, 0);
  await writer.write(data);
  await writer.commit();
  return { node, si };
}

describe('FaultyNode', () => {
  it('passes everything through when no fault is on', async () => {
    const { node, si } = await setup();
    expect(node.id).toBe('m-inner');
    expect(node.kind).toBe('memory');
    expect(await node.readShare(si, 0, 2, 3)).toEqual(data.subarray(2, 5));
    expect(await node.listShares(si)).toEqual([{ shnum: 0, size: 8 }]);
  });

  it('offline: every call throws StorageNodeError, close still works', async () => {
    const { node, si } = await setup();
    node.offline = true;
    await expect(node.readShare(si, 0, 0, 1)).rejects.toBeInstanceOf(StorageNodeError);
    await expect(node.createShare(si, 1)).rejects.toBeInstanceOf(StorageNodeError);
    await expect(node.space()).rejects.toBeInstanceOf(StorageNodeError);
    await expect(node.testAndSetShare(si, 1, 'absent', data)).rejects.toBeInstanceOf(StorageNodeError);
    await expect(node.listStorageIndexes()[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(
      StorageNodeError,
    );
    await node.close();
  });

  it('throwOnWrite fails writes, also mid-stream, and leaves reads alone', async () => {
    const { node, si } = await setup();
    const writer = await node.createShare(si, 1);
    await writer.write(data);
    node.throwOnWrite = true;
    await expect(writer.write(data)).rejects.toBeInstanceOf(StorageNodeError);
    await expect(writer.commit()).rejects.toBeInstanceOf(StorageNodeError);
    await writer.abort();
    await expect(node.deleteShare(si, 0)).rejects.toBeInstanceOf(StorageNodeError);
    expect(await node.inner.listShares(si)).toEqual([{ shnum: 0, size: 8 }]);
    expect(await node.readShare(si, 0, 0, 8)).toEqual(data);
  });

  it('throwOnRead and garbage spoil reads', async () => {
    const { node, si } = await setup();
    node.garbage = true;
    const reads = await Promise.all(Array.from({ length: 4 }, () => node.readShare(si, 0, 0, 8)));
    expect(reads.every((read) => read.byteLength === 8)).toBe(true);
    expect(reads.some((read) => !Buffer.from(read).equals(data))).toBe(true);
    expect((await node.readShare(si, 0, 6, 8)).byteLength).toBe(2);
    node.throwOnRead = true;
    await expect(node.readShare(si, 0, 0, 1)).rejects.toBeInstanceOf(StorageNodeError);
    await expect(node.listShares(si)).rejects.toBeInstanceOf(StorageNodeError);
  });

  it('corruptByte flips one stored byte; delayMs slows calls', async () => {
    const { node, si } = await setup();
    await node.corruptByte(si, 0, 3);
    const read = await node.readShare(si, 0, 0, 8);
    expect(read[3]).toBe(4 ^ 0xff);
    expect([...read.subarray(0, 3), ...read.subarray(4)]).toEqual([1, 2, 3, 5, 6, 7, 8]);
    await expect(node.corruptByte(si, 0, 8)).rejects.toBeInstanceOf(RangeError);

    node.delayMs = 50;
    const started = performance.now();
    await node.listShares(si);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});
