import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { base32Encode } from '../../src/util/base32.js';
import { LocalDirectoryNode, StorageNodeError } from '../../src/storage/index.js';
import { MAX_PACKED_SHARE } from '../../src/storage/share-packs.js';

const newSi = (): string => base32Encode(randomBytes(16));
const MiB = 1024 * 1024;
/** Big enough for a share file of its own (smaller shares go to a pack). */
const FILE_SHARE = MAX_PACKED_SHARE + 1;

let root: string;
const opened: LocalDirectoryNode[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'grid-local-'));
});

afterEach(async () => {
  for (const node of opened.splice(0)) await node.close();
  await rm(root, { recursive: true, force: true });
});

async function create(dir = join(root, 'node'), options: { id?: string } = {}): Promise<LocalDirectoryNode> {
  const node = await LocalDirectoryNode.create(dir, options);
  opened.push(node);
  return node;
}

async function open(dir = join(root, 'node')): Promise<LocalDirectoryNode> {
  const node = await LocalDirectoryNode.open(dir);
  opened.push(node);
  return node;
}

/** Every file under `dir`, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('LocalDirectoryNode', () => {
  it('creates a node folder with node.json and a fresh id', async () => {
    const node = await create();
    expect(node.kind).toBe('local');
    expect(node.location).toBe(join(root, 'node'));
    expect(node.id).toMatch(/^n-[a-z2-7]{10}$/);
    const json = JSON.parse(await readFile(join(root, 'node', 'node.json'), 'utf8')) as unknown;
    expect(json).toEqual({ format: 'grid-sftp-local-node', version: 3, id: node.id });
    const other = await create(join(root, 'other'));
    expect(other.id).not.toBe(node.id);
    expect((await create(join(root, 'named'), { id: 'n-mine' })).id).toBe('n-mine');
    await expect(LocalDirectoryNode.create(join(root, 'bad'), { id: '../x' })).rejects.toBeInstanceOf(
      RangeError,
    );
  });

  it('round-trips a multi-MiB share written in many chunks, with ranged reads', async () => {
    const node = await create();
    const si = newSi();
    const data = randomBytes(5 * MiB + 12345);
    const writer = await node.createShare(si, 4);
    for (let at = 0, size = 1; at < data.length; at += size, size = (size * 7 + 3) % 300_000) {
      await writer.write(data.subarray(at, at + size));
    }
    await writer.commit();

    expect(await node.listShares(si)).toEqual([{ shnum: 4, size: data.length }]);
    const whole = await node.readShare(si, 4, 0, Number.MAX_SAFE_INTEGER);
    expect(createHash('sha256').update(whole).digest('hex')).toBe(
      createHash('sha256').update(data).digest('hex'),
    );
    expect(await node.readShare(si, 4, 3 * MiB, 1000)).toEqual(
      new Uint8Array(data.subarray(3 * MiB, 3 * MiB + 1000)),
    );
    expect(await node.readShare(si, 4, data.length - 10, 1000)).toEqual(new Uint8Array(data.subarray(-10)));
    expect((await node.readShare(si, 4, data.length, 1000)).byteLength).toBe(0);
    expect((await node.readShare(si, 4, data.length + 1, 1000)).byteLength).toBe(0);
    expect((await node.space()).usedBytes).toBe(data.length);
  });

  it('reads back what a writer wrote before its commit, held in memory or in its temp file', async () => {
    const node = await create();
    const si = newSi();
    const data = randomBytes(2 * MiB);
    const writer = await node.createShare(si, 1);
    if (writer.readAt === undefined) throw new Error('local writers read back');
    await writer.write(data.subarray(0, 100));
    expect(await writer.readAt(10, 50)).toEqual(new Uint8Array(data.subarray(10, 60)));
    // Not awaited: the read runs after the writes queued before it.
    void writer.write(data.subarray(100, MiB));
    void writer.writeAt?.(0, data.subarray(2 * MiB - 10));
    const expected = Buffer.concat([data.subarray(2 * MiB - 10), data.subarray(10, MiB)]);
    expect(Buffer.from(await writer.readAt(0, MiB)).equals(expected)).toBe(true);
    await expect(writer.readAt(MiB - 5, 10)).rejects.toBeInstanceOf(RangeError);
    await writer.commit();
    await expect(writer.readAt(0, 10)).rejects.toThrow(/committed/);
  });

  it('lands un-awaited writes in call order, with writeAt and readAt taking their turn among them', async () => {
    const node = await create();
    const si = newSi();
    const data = randomBytes(3 * MiB);
    const writer = await node.createShare(si, 2);
    if (writer.readAt === undefined || writer.writeAt === undefined) throw new Error('local writers do both');
    const pieces = Array.from({ length: 12 }, (_, i) => data.subarray(i * 256 * 1024, (i + 1) * 256 * 1024));
    const calls: Array<Promise<unknown>> = pieces.slice(0, 5).map((piece) => writer.write(piece));
    // Called when 5 pieces are written: it sees those and none of the writes called after it.
    const read = writer.readAt(0, 5 * 256 * 1024);
    const tooFar = writer.readAt(0, 5 * 256 * 1024 + 1);
    calls.push(...pieces.slice(5).map((piece) => writer.write(piece)));
    const patch = randomBytes(1000);
    calls.push(writer.writeAt(100_000, patch));
    await Promise.all(calls);
    expect(Buffer.from(await read).equals(data.subarray(0, 5 * 256 * 1024))).toBe(true);
    await expect(tooFar).rejects.toBeInstanceOf(RangeError);
    await writer.commit();
    const expected = Buffer.from(data);
    patch.copy(expected, 100_000);
    expect(Buffer.from(await node.readShare(si, 2, 0, Number.MAX_SAFE_INTEGER)).equals(expected)).toBe(true);
  });

  it('checks a writeAt against the bytes written before it was called, not after', async () => {
    const node = await create();
    const writer = await node.createShare(newSi(), 0);
    void writer.write(new Uint8Array(FILE_SHARE));
    const pastTheEnd = writer.writeAt?.(FILE_SHARE, new Uint8Array(10));
    const later = writer.write(new Uint8Array(100));
    await expect(pastTheEnd).rejects.toThrow(/past the .* bytes written/);
    await expect(later).rejects.toBeInstanceOf(StorageNodeError); // a failed writeAt fails the share
    await writer.abort();
  });

  it('refuses a write called after abort, even while the writes before it wait their turn', async () => {
    const node = await create();
    const writer = await node.createShare(newSi(), 0);
    const first = writer.write(new Uint8Array(FILE_SHARE));
    const aborted = writer.abort();
    await expect(writer.write(new Uint8Array(10))).rejects.toThrow(/aborted/);
    await first.catch(() => undefined);
    await aborted;
  });

  it('keeps its id, shares and usage across close and reopen', async () => {
    const node = await create();
    const si = newSi();
    const writer = await node.createShare(si, 0);
    await writer.write(new Uint8Array([1, 2, 3]));
    await writer.commit();
    await node.testAndSetShare(si, 9, 'absent', new Uint8Array(10));
    await node.close();

    const again = await open();
    expect(again.id).toBe(node.id);
    expect(await again.readShare(si, 0, 0, 3)).toEqual(new Uint8Array([1, 2, 3]));
    expect(await again.listShares(si)).toEqual([
      { shnum: 0, size: 3 },
      { shnum: 9, size: 10 },
    ]);
    expect((await again.space()).usedBytes).toBe(13); // share bytes only, not the pack's headers
  });

  it('refuses to open a folder that is not a node, with a clear error', async () => {
    await mkdir(join(root, 'plain'));
    await expect(LocalDirectoryNode.open(join(root, 'plain'))).rejects.toThrow(/not a storage node folder/);
    await expect(LocalDirectoryNode.open(join(root, 'missing'))).rejects.toThrow(/not a storage node folder/);

    await mkdir(join(root, 'corrupt'));
    await writeFile(join(root, 'corrupt', 'node.json'), '{ nope');
    await expect(LocalDirectoryNode.open(join(root, 'corrupt'))).rejects.toThrow(/corrupt \(not JSON\)/);
    await writeFile(
      join(root, 'corrupt', 'node.json'),
      JSON.stringify({ format: 'something-else', id: 'x' }),
    );
    await expect(LocalDirectoryNode.open(join(root, 'corrupt'))).rejects.toThrow(/node\.json is corrupt/);
    await writeFile(
      join(root, 'corrupt', 'node.json'),
      JSON.stringify({ format: 'grid-sftp-local-node', version: 4, id: 'n-x' }),
    );
    await expect(LocalDirectoryNode.open(join(root, 'corrupt'))).rejects.toThrow(/unsupported version 4/);
    await expect(LocalDirectoryNode.open(join(root, 'corrupt'))).rejects.toBeInstanceOf(StorageNodeError);
  });

  it('refuses to create a node over a non-empty folder or an existing node', async () => {
    await mkdir(join(root, 'busy'));
    await writeFile(join(root, 'busy', 'holiday.jpg'), 'not ours');
    await expect(LocalDirectoryNode.create(join(root, 'busy'))).rejects.toThrow(/not empty/);
    expect(await readdir(join(root, 'busy'))).toEqual(['holiday.jpg']);

    await create(join(root, 'node'));
    await expect(LocalDirectoryNode.create(join(root, 'node'))).rejects.toThrow(
      /already holds a storage node/,
    );
  });

  it('stores big shares as shares/<2 chars>/<si>.<shnum>, small ones in a pack, and nothing escapes the folder', async () => {
    const node = await create();
    const si = newSi();
    const writer = await node.createShare(si, 12);
    await writer.write(new Uint8Array(FILE_SHARE));
    await writer.commit();
    const small = await node.createShare(si, 13);
    await small.write(new Uint8Array([7]));
    await small.commit();
    for (const bad of ['../x', '../../etc', 'ab/../../x', '.', `${si.slice(0, 20)}\0`]) {
      await expect(node.createShare(bad, 0)).rejects.toBeInstanceOf(RangeError);
      await expect(node.testAndSetShare(bad, 0, 'absent', new Uint8Array(1))).rejects.toBeInstanceOf(
        RangeError,
      );
    }
    await expect(node.readShare(si, '../12' as unknown as number, 0, 1)).rejects.toBeInstanceOf(RangeError);
    expect(await tree(root)).toEqual([
      'node/node.json',
      expect.stringMatching(/^node\/packs\/i-[a-z2-7]+\.1\.pack$/),
      `node/shares/${si.slice(0, 2)}/${si}.12`,
    ]);
    expect(await node.listShares(si)).toEqual([
      { shnum: 12, size: FILE_SHARE },
      { shnum: 13, size: 1 },
    ]);
  });

  it('makes a two-letter share folder with its first share, keeps it when shares go, and remakes it if removed', async () => {
    const node = await create();
    const shares = join(root, 'node', 'shares');
    expect(await readdir(shares)).toEqual([]);
    const si = newSi();
    const store = async (shnum: number): Promise<void> => {
      const writer = await node.createShare(si, shnum);
      await writer.write(new Uint8Array(FILE_SHARE));
      await writer.commit();
    };
    await store(0);
    await node.deleteShare(si, 0);
    expect(await readdir(shares)).toEqual([si.slice(0, 2)]);
    expect(await readdir(join(shares, si.slice(0, 2)))).toEqual([]);
    // Someone tidies the empty folder behind the node's back: the next share still lands.
    await rm(join(shares, si.slice(0, 2)), { recursive: true });
    await store(1);
    expect(await node.listShares(si)).toEqual([{ shnum: 1, size: FILE_SHARE }]);
  });

  it('opens a version 2 node (no packs yet) as it is, and marks it version 3 before packing into it', async () => {
    const dir = join(root, 'v2');
    const si = newSi();
    await mkdir(join(dir, 'shares', si.slice(0, 2)), { recursive: true });
    await writeFile(
      join(dir, 'node.json'),
      JSON.stringify({ format: 'grid-sftp-local-node', version: 2, id: 'n-v2' }),
    );
    await writeFile(join(dir, 'shares', si.slice(0, 2), `${si}.1`), 'one');
    const node = await open(dir);
    expect(JSON.parse(await readFile(join(dir, 'node.json'), 'utf8'))).toEqual({
      format: 'grid-sftp-local-node',
      version: 3,
      id: 'n-v2',
    });
    expect(new TextDecoder().decode(await node.readShare(si, 1, 0, 10))).toBe('one');
    const writer = await node.createShare(si, 2);
    await writer.write(new Uint8Array(5));
    await writer.commit();
    expect(await node.listShares(si)).toEqual([
      { shnum: 1, size: 3 },
      { shnum: 2, size: 5 },
    ]);
  });

  it('moves the shares of a version 1 node (one folder per storage index) into place when opened', async () => {
    const dir = join(root, 'old');
    const si = newSi();
    let other = newSi();
    while (other.slice(0, 2) === si.slice(0, 2)) other = newSi(); // its own two-letter folder
    const prefix = join(dir, 'shares', si.slice(0, 2));
    await mkdir(join(prefix, si), { recursive: true });
    await mkdir(join(dir, 'shares', other.slice(0, 2), other), { recursive: true });
    await writeFile(
      join(dir, 'node.json'),
      JSON.stringify({ format: 'grid-sftp-local-node', version: 1, id: 'n-old' }),
    );
    await writeFile(join(prefix, si, '0'), 'zero');
    await writeFile(join(prefix, si, '7'), 'seven!');
    await writeFile(join(prefix, si, 'notes.txt'), 'not a share');
    // A crash during an earlier migration left this share moved already.
    await writeFile(join(dir, 'shares', other.slice(0, 2), `${other}.2`), 'two');

    const node = await open(dir);
    expect(node.id).toBe('n-old');
    expect(await node.listShares(si)).toEqual([
      { shnum: 0, size: 4 },
      { shnum: 7, size: 6 },
    ]);
    expect(new TextDecoder().decode(await node.readShare(si, 7, 0, 100))).toBe('seven!');
    expect(await node.listShares(other)).toEqual([{ shnum: 2, size: 3 }]);
    expect((await node.space()).usedBytes).toBe(13);
    const json = JSON.parse(await readFile(join(dir, 'node.json'), 'utf8')) as unknown;
    expect(json).toEqual({ format: 'grid-sftp-local-node', version: 3, id: 'n-old' });
    // The stray file keeps its folder; the emptied one is gone.
    expect((await tree(dir)).filter((file) => file.startsWith('shares/'))).toEqual(
      [
        `shares/${si.slice(0, 2)}/${si}.0`,
        `shares/${si.slice(0, 2)}/${si}.7`,
        `shares/${si.slice(0, 2)}/${si}/notes.txt`,
        `shares/${other.slice(0, 2)}/${other}.2`,
      ].sort(),
    );
    expect(await readdir(join(dir, 'shares', other.slice(0, 2)))).toEqual([`${other}.2`]);
  });

  it('ignores stray files in the share folders', async () => {
    const node = await create();
    const si = newSi();
    await node.testAndSetShare(si, 1, 'absent', new Uint8Array(3));
    const dir = join(root, 'node', 'shares', si.slice(0, 2));
    await writeFile(join(dir, `${si}.notes`), 'x');
    await writeFile(join(dir, `${si}.0256`), 'x');
    await writeFile(join(dir, `${si}.256`), 'x');
    await writeFile(join(dir, 'notes.txt'), 'x');
    await mkdir(join(dir, `${si}.2`));
    await mkdir(join(dir, 'not-an-index'));
    expect(await node.listShares(si)).toEqual([{ shnum: 1, size: 3 }]);
    const indexes: string[] = [];
    for await (const index of node.listStorageIndexes()) indexes.push(index);
    expect(indexes).toEqual([si]);
  });

  it('reports plausible space figures from the file system', async () => {
    const node = await create();
    const space = await node.space();
    expect(space.totalBytes).toBeGreaterThan(0);
    expect(space.freeBytes).toBeGreaterThanOrEqual(0);
    expect(space.freeBytes).toBeLessThanOrEqual(space.totalBytes);
    expect(space.usedBytes).toBe(0);
    const si = newSi();
    const writer = await node.createShare(si, 0);
    await writer.write(new Uint8Array(MiB));
    await writer.commit();
    expect((await node.space()).usedBytes).toBe(MiB);
    await node.deleteShare(si, 0);
    expect((await node.space()).usedBytes).toBe(0);
  });
});
