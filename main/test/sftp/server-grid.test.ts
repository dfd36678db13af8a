import { afterEach, describe, expect, it } from 'vitest';
import { OpenFlags, SftpStatus } from '@grid-sftp/core';
import { EXTENSIONS } from '../../src/sftp/server.js';
import { PayloadReader } from '../../src/sftp/packet-reader.js';
import {
  T,
  attrsOf,
  connect,
  dataOf,
  handleOf,
  namesOf,
  openFields,
  statusOf,
  str,
  type Connection,
} from './client.js';
import { makeGrid, type TestGrid } from './grid.js';

const { READ, WRITE, CREAT, TRUNC } = OpenFlags;
const grids: TestGrid[] = [];

afterEach(async () => {
  for (const grid of grids.splice(0)) await grid.dispose();
});

async function start(options: Parameters<typeof connect>[1] = {}): Promise<Connection & { grid: TestGrid }> {
  const grid = await makeGrid();
  grids.push(grid);
  const connection = connect(grid.session(), options);
  await connection.client.init();
  return { ...connection, grid };
}

function pattern(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

describe('SftpServer over a real session', { timeout: 30_000 }, () => {
  it('advertises every extension with its version', async () => {
    const grid = await makeGrid();
    grids.push(grid);
    const { client } = connect(grid.session());
    const { version, extensions } = await client.init();
    expect(version).toBe(3);
    expect([...extensions]).toEqual(EXTENSIONS.map(([name, v]) => [name, v]));
    expect(extensions.get('statvfs@openssh.com')).toBe('2');
    expect(extensions.get('copy-data')).toBe('1');
    expect(extensions.size).toBe(11);
  });

  it('writes, closes, reopens and reads back a file', async () => {
    const { client, grid } = await start();
    const content = pattern(300_000);
    const handle = await client.open('/big.bin', WRITE | CREAT | TRUNC);
    const chunk = 100_000;
    const writes = [];
    for (let at = 0; at < content.length; at += chunk)
      writes.push(client.write(handle, at, content.subarray(at, at + chunk)));
    for (const status of await Promise.all(writes)) expect(status.code).toBe(SftpStatus.OK);
    expect((await client.close(handle)).code).toBe(SftpStatus.OK);
    expect(Buffer.from((await grid.content('big.bin')) ?? []).equals(content)).toBe(true);

    const reader = await client.open('/big.bin', READ);
    const size = attrsOf(await client.request(T.FSTAT, (w) => w.string(reader))).size;
    expect(size).toBe(content.length);
    // Many READs in flight on one handle: answered in any order, but every one answered.
    const reads = [];
    for (let at = 0; at < content.length; at += 32_768)
      reads.push(client.request(T.READ, (w) => w.string(reader).u64(at).u32(32_768)).then(dataOf));
    expect(Buffer.concat(await Promise.all(reads)).equals(content)).toBe(true);
    const eof = statusOf(await client.request(T.READ, (w) => w.string(reader).u64(content.length).u32(10)));
    expect(eof.code).toBe(SftpStatus.EOF);
    expect((await client.close(reader)).code).toBe(SftpStatus.OK);
  });

  it('answers an LSTAT pipelined right behind OPEN(CREAT) with the new file', async () => {
    const { client } = await start();
    const open = client.send(T.OPEN, (w) => openFields(w, '/new.txt', WRITE | CREAT | TRUNC, {}));
    const lstat = client.send(T.LSTAT, (w) => w.string('/new.txt'));
    const handle = handleOf(await open.reply);
    const attrs = attrsOf(await lstat.reply);
    expect(attrs.size).toBe(0);
    expect(client.order.slice(0, 2)).toEqual([open.id, lstat.id]);
    expect((await client.close(handle)).code).toBe(SftpStatus.OK);
  });

  it('posix-rename replaces the target; plain rename onto an existing name fails', async () => {
    const { client, grid } = await start();
    for (const [name, text] of [
      ['a', 'first'],
      ['b', 'second'],
    ] as const) {
      const handle = await client.open(`/${name}`, WRITE | CREAT | TRUNC);
      await client.write(handle, 0, Buffer.from(text));
      await client.close(handle);
    }
    const plain = statusOf(await client.request(T.RENAME, (w) => w.string('/a').string('/b')));
    expect(plain.code).toBe(SftpStatus.FAILURE);
    const posix = statusOf(
      await client.extended('posix-rename@openssh.com', (w) => w.string('/a').string('/b')),
    );
    expect(posix.code).toBe(SftpStatus.OK);
    expect(str((await grid.content('b')) ?? new Uint8Array())).toBe('first');
    expect(await grid.content('a')).toBeUndefined();
  });

  it('answers limits@openssh.com and statvfs@openssh.com with their layouts', async () => {
    const { client } = await start({ limits: { maxOpenHandles: 7 } });
    const limits = await client.extended('limits@openssh.com');
    expect(limits.type).toBe(T.EXTENDED_REPLY);
    const values = [limits.r.u64(), limits.r.u64(), limits.r.u64(), limits.r.u64()];
    expect(values).toEqual([262_144, 261_120, 261_120, 7]);
    expect(limits.r.remaining).toBe(0);

    const statvfs = await client.extended('statvfs@openssh.com', (w) => w.string('/'));
    expect(statvfs.type).toBe(T.EXTENDED_REPLY);
    const fields = Array.from({ length: 11 }, () => statvfs.r.u64());
    expect(statvfs.r.remaining).toBe(0);
    const [bsize, frsize, blocks, bfree] = fields;
    expect(bsize).toBeGreaterThan(0);
    expect(frsize).toBeGreaterThan(0);
    expect(blocks).toBeGreaterThan(0);
    expect(bfree).toBeLessThanOrEqual(blocks ?? 0);
  });

  it('refuses an OPEN past the handle limit with FAILURE', async () => {
    const { client } = await start({ limits: { maxOpenHandles: 2 } });
    const h1 = await client.open('/x', WRITE | CREAT);
    const h2 = await client.request(T.OPENDIR, (w) => w.string('/')).then(handleOf);
    const third = statusOf(await client.request(T.OPEN, (w) => openFields(w, '/y', WRITE | CREAT, {})));
    expect(third.code).toBe(SftpStatus.FAILURE);
    expect(third.message).toMatch(/too many open handles/);
    expect((await client.close(h2)).code).toBe(SftpStatus.OK);
    const h3 = await client.open('/y', WRITE | CREAT);
    await client.close(h1);
    await client.close(h3);
    expect((await client.close(h3)).code).toBe(SftpStatus.FAILURE);
  });

  it('lists a directory, expands paths and answers home-directory', async () => {
    const { client } = await start({ user: 'alice' });
    for (const name of ['one', 'two']) await client.close(await client.open(`/${name}`, WRITE | CREAT));
    await client.request(T.MKDIR, (w) => w.string('/dir').u32(0));
    const dir = handleOf(await client.request(T.OPENDIR, (w) => w.string('/')));
    const names = namesOf(await client.request(T.READDIR, (w) => w.string(dir)));
    expect(names.sort()).toEqual(['dir', 'one', 'two']);
    expect(statusOf(await client.request(T.READDIR, (w) => w.string(dir))).code).toBe(SftpStatus.EOF);
    await client.close(dir);
    expect(namesOf(await client.request(T.REALPATH, (w) => w.string('.')))).toEqual(['/']);
    expect(namesOf(await client.extended('expand-path@openssh.com', (w) => w.string('~/dir')))).toEqual([
      '/dir',
    ]);
    expect(namesOf(await client.extended('home-directory', (w) => w.string('')))).toEqual(['/']);
    const ug = await client.extended('users-groups-by-id@openssh.com', (w) =>
      w.string(Buffer.from([0, 0, 0, 0, 0, 0, 0, 5])).string(Buffer.from([0, 0, 0, 0])),
    );
    expect(ug.type).toBe(T.EXTENDED_REPLY);
    const users = new PayloadReader(Buffer.from(ug.r.bytes()));
    expect([str(users.bytes()), str(users.bytes())]).toEqual(['alice', '']);
    expect(str(new PayloadReader(Buffer.from(ug.r.bytes())).bytes())).toBe('alice');
  });

  it('copies with copy-data and syncs with fsync', async () => {
    const { client, grid } = await start();
    const content = pattern(5000);
    const source = await client.open('/src', WRITE | CREAT);
    await client.write(source, 0, content);
    expect(statusOf(await client.extended('fsync@openssh.com', (w) => w.string(source))).code).toBe(
      SftpStatus.OK,
    );
    await client.close(source);
    const from = await client.open('/src', READ);
    const to = await client.open('/dst', WRITE | CREAT | TRUNC);
    const copy = await client.extended('copy-data', (w) => w.string(from).u64(0).u64(0).string(to).u64(0));
    expect(statusOf(copy).code).toBe(SftpStatus.OK);
    await client.close(from);
    await client.close(to);
    expect(Buffer.from((await grid.content('dst')) ?? []).equals(content)).toBe(true);
  });

  it('abandons a file open for writing when the stream ends, and closes every handle', async () => {
    const { client, done, grid } = await start();
    const handle = await client.open('/partial', WRITE | CREAT);
    expect((await client.write(handle, 0, Buffer.from('never committed'))).code).toBe(SftpStatus.OK);
    await client.request(T.OPENDIR, (w) => w.string('/')).then(handleOf);
    client.stream.end();
    await done;
    expect(await grid.content('partial')).toBeUndefined();
    expect(grid.heisenfiles.size).toBe(0);
  });
});
