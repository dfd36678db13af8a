// Small shares in packs (share-packs.ts), through LocalDirectoryNode: durability, deletes, other
// instances on the same folder, damage and torn tails, and failures that must not lose a share.
import { randomBytes } from 'node:crypto';
import {
  open,
  readdir,
  readlink,
  stat,
  truncate,
  unlink,
  writeFile,
  mkdir,
  appendFile,
} from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { base32Encode } from '../../src/util/base32.js';
import { useNodeFolder } from '../helpers/node-folder.js';
import {
  LocalDirectoryNode,
  ShareNotFoundError,
  StorageFullError,
  StorageNodeError,
} from '../../src/storage/index.js';
import { encodeRecord } from '../../src/storage/share-pack-format.js';
import type { StorageNode } from '../../src/storage/index.js';

const newSi = (): string => base32Encode(randomBytes(16));

const folder = useNodeFolder('grid-packs-');
const { track } = folder;
let root: string;
let dir: string;
beforeEach(() => {
  root = folder.root();
  dir = folder.dir();
});

async function put(node: StorageNode, si: string, shnum: number, data: Uint8Array): Promise<void> {
  const writer = await node.createShare(si, shnum);
  await writer.write(data);
  await writer.commit();
}

const whole = (node: StorageNode, si: string, shnum: number): Promise<Uint8Array> =>
  node.readShare(si, shnum, 0, Number.MAX_SAFE_INTEGER);

async function packFiles(): Promise<string[]> {
  return (await readdir(join(dir, 'packs'))).sort();
}

/** FileHandle's prototype, to count or fail the calls every pack makes. */
async function fileHandleProto(): Promise<FileHandle> {
  const handle = await open(join(root, 'probe'), 'w');
  await handle.close();
  return Object.getPrototypeOf(handle) as FileHandle;
}

describe('share packs', () => {
  it('keep small shares in one pack file, readable every way, and all of them after a reopen', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const si = newSi();
    const shares = [randomBytes(1), randomBytes(300), randomBytes(64 * 1024)];
    for (const [shnum, data] of shares.entries()) await put(node, si, shnum, data);
    expect(await packFiles()).toEqual([expect.stringMatching(/^i-[a-z2-7]+\.1\.pack$/)]);
    expect(await readdir(join(dir, 'shares'))).toEqual([]);

    const target = new Uint8Array(100);
    expect(await node.readShareInto(si, 1, 250, target)).toBe(50);
    expect(Buffer.from(target.subarray(0, 50)).equals(shares[1]!.subarray(250))).toBe(true);
    expect(Buffer.from(await node.readShare(si, 2, 1000, 10)).equals(shares[2]!.subarray(1000, 1010))).toBe(
      true,
    );
    expect((await node.readShare(si, 0, 5, 10)).byteLength).toBe(0);
    await expect(node.readShare(si, 3, 0, 1)).rejects.toBeInstanceOf(ShareNotFoundError);
    const sizes = shares.map((data, shnum) => ({ shnum, size: data.length }));
    expect(await node.listShares(si)).toEqual(sizes);
    expect((await node.space()).usedBytes).toBe(1 + 300 + 64 * 1024);

    await node.close();
    const again = await track(LocalDirectoryNode.open(dir));
    for (const [shnum, data] of shares.entries()) {
      expect(Buffer.from(await whole(again, si, shnum)).equals(data)).toBe(true);
    }
    expect(await again.listShares(si)).toEqual(sizes);
    expect((await again.space()).usedBytes).toBe(1 + 300 + 64 * 1024);
    const indexes: string[] = [];
    for await (const index of again.listStorageIndexes()) indexes.push(index);
    expect(indexes).toEqual([si]);
    // A reopened node appends to a pack of its own, never to one another instance wrote.
    await put(again, newSi(), 0, randomBytes(10));
    expect(await packFiles()).toHaveLength(2);
  });

  it('make the appends that wait together durable with one fdatasync (group commit)', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const proto = await fileHandleProto();
    const datasync = vi.spyOn(proto, 'datasync');
    const sync = vi.spyOn(proto, 'sync');
    const shares = Array.from({ length: 60 }, (_, i) => ({ si: newSi(), data: randomBytes(100 + i) }));
    await Promise.all(shares.map(({ si, data }) => put(node, si, 0, data)));
    // The first append finds the pack idle and goes alone; the rest wait for it and go together
    // (in one or two more batches, as their commits arrive): nowhere near one sync per share.
    expect(datasync.mock.calls.length).toBeLessThanOrEqual(6);
    expect(sync.mock.calls.length).toBeLessThanOrEqual(1); // the packs folder, once, for the new pack
    for (const { si, data } of shares) expect(Buffer.from(await whole(node, si, 0)).equals(data)).toBe(true);
  });

  it('delete with a tombstone: gone at once and after a reopen, and a later put wins again', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const si = newSi();
    await put(node, si, 0, randomBytes(50));
    await put(node, si, 1, randomBytes(60));
    await node.deleteShare(si, 0);
    await node.deleteShare(si, 0); // deleting a missing share is fine
    await expect(node.readShare(si, 0, 0, 1)).rejects.toBeInstanceOf(ShareNotFoundError);
    expect(await node.listShares(si)).toEqual([{ shnum: 1, size: 60 }]);
    expect((await node.space()).usedBytes).toBe(60);
    await node.close();

    const again = await track(LocalDirectoryNode.open(dir));
    await expect(again.readShare(si, 0, 0, 1)).rejects.toBeInstanceOf(ShareNotFoundError);
    const back = randomBytes(70);
    await put(again, si, 0, back);
    await again.close();
    const third = await track(LocalDirectoryNode.open(dir));
    expect(Buffer.from(await whole(third, si, 0)).equals(back)).toBe(true);
    expect(await third.listShares(si)).toEqual([
      { shnum: 0, size: 70 },
      { shnum: 1, size: 60 },
    ]);
  });

  it('show what another instance on the folder packs and deletes, as soon as it is durable', async () => {
    const a = await track(LocalDirectoryNode.create(dir));
    const b = await track(LocalDirectoryNode.open(dir));
    const si = newSi();
    const data = randomBytes(500);
    await put(b, si, 3, data);
    // `a` opened before the put: a miss makes it look at the other instance's pack again.
    expect(Buffer.from(await whole(a, si, 3)).equals(data)).toBe(true);
    const other = newSi();
    await put(b, other, 0, randomBytes(5));
    expect(await a.listShares(other)).toEqual([{ shnum: 0, size: 5 }]);
    const target = new Uint8Array(5);
    await put(b, si, 4, randomBytes(5));
    expect(await a.readShareInto(si, 4, 0, target)).toBe(5);

    await b.deleteShare(si, 3);
    expect(await a.listShares(si)).toEqual([{ shnum: 4, size: 5 }]);
    // And the other way round: a tombstone in `a`'s pack beats `b`'s older record.
    await a.deleteShare(si, 4);
    expect(await b.listShares(si)).toEqual([]);
  });

  it('let the later record of a share win, whichever pack holds it and in whatever order packs are read', async () => {
    await (await LocalDirectoryNode.create(dir)).close();
    const [deleted, kept] = [newSi(), newSi()];
    const data = Buffer.from('share bytes');
    // Packs of two instances that are gone; readdir order and name order say nothing about time.
    const packsOf = {
      'i-aaaa.1.pack': [
        encodeRecord('tombstone', deleted, 0, 2_000, new Uint8Array(0)),
        encodeRecord('share', kept, 0, 4_000, data),
      ],
      'i-zzzz.1.pack': [
        encodeRecord('share', deleted, 0, 1_000, data),
        encodeRecord('tombstone', kept, 0, 3_000, new Uint8Array(0)),
      ],
    };
    for (const [name, records] of Object.entries(packsOf)) {
      await writeFile(join(dir, 'packs', name), Buffer.concat(records));
    }
    const node = await track(LocalDirectoryNode.open(dir));
    expect(await node.listShares(deleted)).toEqual([]);
    expect(Buffer.from(await whole(node, kept, 0)).equals(data)).toBe(true);
    // New records of this instance come after every stamp it has seen.
    await node.deleteShare(kept, 0);
    await node.close();
    const again = await track(LocalDirectoryNode.open(dir));
    expect(await again.listShares(kept)).toEqual([]);
  });

  it.runIf(process.platform === 'linux')(
    'hold no descriptor per pack: a server outlives many CLI runs, each leaving a pack per node',
    async () => {
      await (await LocalDirectoryNode.create(dir)).close();
      const sis: string[] = [];
      for (let i = 0; i < 100; i++) {
        const writer = await LocalDirectoryNode.open(dir);
        sis.push(newSi());
        await put(writer, sis[i]!, 0, randomBytes(20));
        await writer.close();
      }
      expect(await packFiles()).toHaveLength(100);
      const node = await track(LocalDirectoryNode.open(dir));
      for (const si of sis) expect((await whole(node, si, 0)).byteLength).toBe(20);
      const packsOpen = async (): Promise<number> => {
        const fds = await readdir('/proc/self/fd');
        const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
        return targets.filter((target) => target.startsWith(join(dir, 'packs'))).length;
      };
      expect(await packsOpen()).toBeLessThanOrEqual(64);
      await node.close();
      expect(await packsOpen()).toBe(0);
    },
  );

  it('skip a damaged record in a pack no one writes to, and keep the records after it', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const sis = [newSi(), newSi(), newSi()];
    for (const si of sis) await put(node, si, 0, randomBytes(1000));
    await node.close();
    const [pack] = await packFiles();
    const file = join(dir, 'packs', pack!);
    const { size } = await stat(file);
    expect(size % 3).toBe(0);
    // Bit rot in the middle of the second record's payload.
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from([0xff, 0x00, 0xff]), 0, 3, Math.floor(size / 2));
    await handle.close();

    const again = await track(LocalDirectoryNode.open(dir));
    expect((await whole(again, sis[0]!, 0)).byteLength).toBe(1000);
    await expect(again.readShare(sis[1]!, 0, 0, 1)).rejects.toBeInstanceOf(ShareNotFoundError);
    expect((await whole(again, sis[2]!, 0)).byteLength).toBe(1000);
  });

  it('ignore a torn tail left by a crash mid-append', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const si = newSi();
    const data = randomBytes(2000);
    await put(node, si, 0, data);
    await put(node, si, 1, randomBytes(2000));
    await node.close();
    const file = join(dir, 'packs', (await packFiles())[0]!);
    const { size } = await stat(file);
    await truncate(file, size - 700); // the second record was half written
    await appendFile(file, Buffer.alloc(300)); // and the kernel had grown the file with zeros

    const again = await track(LocalDirectoryNode.open(dir));
    expect(Buffer.from(await whole(again, si, 0)).equals(data)).toBe(true);
    expect(await again.listShares(si)).toEqual([{ shnum: 0, size: 2000 }]);
    await put(again, si, 1, randomBytes(10));
    expect(await again.listShares(si)).toEqual([
      { shnum: 0, size: 2000 },
      { shnum: 1, size: 10 },
    ]);
  });

  it('refuse, clearly, to append to a pack file removed from under them, and go on in a new one', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    await put(node, newSi(), 0, randomBytes(10));
    await unlink(join(dir, 'packs', (await packFiles())[0]!));
    // The appender looks at most once a second (see wasRemoved).
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 1_001);
    const si = newSi();
    const error = await put(node, si, 0, randomBytes(10)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StorageNodeError);
    expect((error as Error).message).toMatch(/share pack was removed/);
    await put(node, si, 0, randomBytes(10));
    await node.close();
    const again = await track(LocalDirectoryNode.open(dir));
    expect(await again.listShares(si)).toEqual([{ shnum: 0, size: 10 }]);
  });

  it('after a failed append, lose nothing acknowledged and go on in a new pack', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const kept = newSi();
    await put(node, kept, 0, randomBytes(10));
    const [first] = await packFiles();
    const acknowledged = (await stat(join(dir, 'packs', first!))).size;
    const proto = await fileHandleProto();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(handle) below
    const realWrite = proto.write as (this: FileHandle, ...args: unknown[]) => Promise<unknown>;
    vi.spyOn(proto, 'write').mockImplementationOnce(async function (this: FileHandle, ...args: unknown[]) {
      // Part of the batch reaches the file, then the disk fails: a torn record at the pack's end.
      const [data, offset, , position] = args as [Uint8Array, number, number, number];
      await realWrite.call(this, data, offset, 20, position);
      throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
    });
    await expect(put(node, newSi(), 0, randomBytes(100))).rejects.toThrow(/EIO/);
    vi.restoreAllMocks();
    // The torn bytes were cut off: the pack ends in whole records.
    expect((await stat(join(dir, 'packs', first!))).size).toBe(acknowledged);
    const later = newSi();
    await put(node, later, 0, randomBytes(30));
    expect(await packFiles()).toHaveLength(2);
    await node.close();
    const again = await track(LocalDirectoryNode.open(dir));
    expect(await again.listShares(kept)).toEqual([{ shnum: 0, size: 10 }]);
    expect(await again.listShares(later)).toEqual([{ shnum: 0, size: 30 }]);
  });

  it('leave no empty pack per failed append when the disk stays full', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const proto = await fileHandleProto();
    const full = vi
      .spyOn(proto, 'write')
      .mockRejectedValue(
        Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
      );
    for (let i = 0; i < 5; i++) {
      await expect(put(node, newSi(), 0, randomBytes(50))).rejects.toBeInstanceOf(StorageFullError);
    }
    expect(await packFiles()).toEqual([]);
    full.mockRestore();
    const si = newSi();
    await put(node, si, 0, randomBytes(50));
    expect(await packFiles()).toHaveLength(1);
    expect(await node.listShares(si)).toEqual([{ shnum: 0, size: 50 }]);
  });

  it('shadow an older file of the same share, and a delete removes both', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const si = newSi();
    // A share stored as a file before packs existed (or by a node version without them).
    await mkdir(join(dir, 'shares', si.slice(0, 2)));
    await writeFile(join(dir, 'shares', si.slice(0, 2), `${si}.0`), 'old bytes');
    expect(Buffer.from(await whole(node, si, 0)).toString()).toBe('old bytes');
    await put(node, si, 0, Buffer.from('new bytes, repaired'));
    expect(Buffer.from(await whole(node, si, 0)).toString()).toBe('new bytes, repaired');
    expect(await node.listShares(si)).toEqual([{ shnum: 0, size: 19 }]);
    await node.deleteShare(si, 0);
    await expect(node.readShare(si, 0, 0, 1)).rejects.toBeInstanceOf(ShareNotFoundError);
    expect(await readdir(join(dir, 'shares', si.slice(0, 2)))).toEqual([]);
  });
});
