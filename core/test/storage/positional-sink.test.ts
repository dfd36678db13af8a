// LocalShareWriter.positionalSink: a share's temp file lent to threads that write blocks at known
// offsets themselves (the upload's workers). Here the test writes through the descriptor as a
// worker would, with fs.writeSync.
import { randomBytes } from 'node:crypto';
import { fstatSync, writeSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { base32Encode } from '../../src/util/base32.js';
import { LocalDirectoryNode, StorageFullError, type PositionalSink } from '../../src/storage/index.js';
import { MAX_PACKED_SHARE } from '../../src/storage/share-packs.js';

const newSi = (): string => base32Encode(randomBytes(16));
const BLOCK = 40_000;

let root: string;
let node: LocalDirectoryNode;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'grid-sink-'));
  node = await LocalDirectoryNode.create(join(root, 'node'));
});

afterEach(async () => {
  await node.close();
  await rm(root, { recursive: true, force: true });
});

async function tempFiles(): Promise<string[]> {
  const entries = await readdir(join(node.location, 'tmp'), { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

async function lend(writer: { positionalSink?: (bytes: number) => Promise<PositionalSink | undefined> }) {
  const sink = await writer.positionalSink?.(4 * BLOCK);
  if (sink === undefined) throw new Error('a share of 4 blocks is lent');
  return sink;
}

describe('LocalShareWriter.positionalSink', () => {
  it('declines a share that stays small enough to pack', async () => {
    const writer = await node.createShare(newSi(), 0);
    void writer.write(new Uint8Array(100));
    expect(await writer.positionalSink?.(MAX_PACKED_SHARE - 100)).toBeUndefined();
    await writer.write(new Uint8Array(MAX_PACKED_SHARE - 100));
    await writer.commit();
    expect(await tempFiles()).toEqual([]); // it never had a file: it went to a pack
  });

  it('lends the file after the writes called before it, and appends after the furthest byte reported', async () => {
    const si = newSi();
    const writer = await node.createShare(si, 3);
    const header = randomBytes(100);
    const big = randomBytes(MAX_PACKED_SHARE + 1); // past SMALL_SHARE: it opens the file itself
    void writer.write(header); // neither awaited: the sink still starts after both
    void writer.write(big);
    const sink = await lend(writer);
    expect(sink.base).toBe(100 + big.length);
    const blocks = Array.from({ length: 4 }, () => randomBytes(BLOCK));
    // Written out of order, as two workers finish; reported in order, as the pipeline does.
    for (const i of [1, 0, 3, 2]) writeSync(sink.fd, blocks[i]!, 0, BLOCK, sink.base + i * BLOCK);
    for (let i = 0; i < 4; i++) sink.wrote((i + 1) * BLOCK);
    const tail = randomBytes(77);
    await writer.write(tail);
    expect(Buffer.from((await writer.readAt?.(sink.base + BLOCK, BLOCK)) ?? []).equals(blocks[1]!)).toBe(
      true,
    );
    await sink.release();
    await writer.commit();
    const stored = await node.readShare(si, 3, 0, Number.MAX_SAFE_INTEGER);
    expect(Buffer.from(stored).equals(Buffer.concat([header, big, ...blocks, tail]))).toBe(true);
  });

  it('refuses to commit while the file is lent', async () => {
    const writer = await node.createShare(newSi(), 0);
    const sink = await lend(writer);
    await expect(writer.commit()).rejects.toThrow(/lent/);
    await sink.release();
    await writer.abort();
  });

  it('aborted while lent: the temp file goes at once, the descriptor stays open until released', async () => {
    const writer = await node.createShare(newSi(), 0);
    const sink = await lend(writer);
    const inode = fstatSync(sink.fd).ino;
    await writer.abort();
    expect(await tempFiles()).toEqual([]);
    // A worker still writing lands in the unlinked file, not in whatever reused the number.
    expect(writeSync(sink.fd, randomBytes(BLOCK), 0, BLOCK, sink.base)).toBe(BLOCK);
    expect(fstatSync(sink.fd).ino).toBe(inode);
    await sink.release();
    await sink.release(); // twice is harmless
    // Closed once released: the number now names nothing, or another file.
    const now = ((): number | string => {
      try {
        return fstatSync(sink.fd).ino;
      } catch (error) {
        return (error as { code?: string }).code ?? 'unknown';
      }
    })();
    expect(now === 'EBADF' || (typeof now === 'number' && now !== inode)).toBe(true);
  });

  it('fails the share when a write through the sink failed, as a failed write would', async () => {
    const writer = await node.createShare(newSi(), 0);
    const sink = await lend(writer);
    const error = sink.failed(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    expect(error).toBeInstanceOf(StorageFullError);
    await expect(writer.write(new Uint8Array(10))).rejects.toBe(error);
    await sink.release();
    await writer.abort();
    expect(await tempFiles()).toEqual([]);
  });
});
