import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ActivityRegistry,
  FileSystemSession,
  Grid,
  HeisenfileRegistry,
  MemoryNode,
  formatCap,
  mutableReadCap,
  type Cap,
  type MutableWriteCap,
} from '@grid-sftp/core';
import { encodeAttrs } from '../../src/sftp/attrs-codec.js';
import { attrsOf, connect, dataOf, handleOf, namesOf, statusOf, str, T, type Connection } from './client.js';

/**
 * Issue 3's Bar, seen by a packet-level client: each line of it as SFTP requests and replies
 * through our SFTP server (the same server the SSH gateway runs on its sftp channel).
 */
const READ = 0x01;
const WRITE = 0x02;
const APPEND = 0x04;
const CREAT = 0x08;
const TRUNC = 0x10;
const EXCL = 0x20;
const OK = 0;
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
const FAILURE = 4;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

let grid: Grid;
let spoolDir: string;
let heisenfiles: HeisenfileRegistry;
let aliceRoot: MutableWriteCap;
const connections: Connection[] = [];

function sessionFor(account: string, root: Cap): Connection {
  const session = new FileSystemSession({
    grid,
    heisenfiles,
    activity: new ActivityRegistry(),
    account,
    root,
    convergenceSecret: new Uint8Array(randomBytes(32)),
    spoolDir,
  });
  const connection = connect(session, { user: account });
  connections.push(connection);
  return connection;
}

async function alice(): Promise<Connection> {
  const connection = sessionFor('alice', aliceRoot);
  await connection.client.init();
  return connection;
}

async function readAll(c: Connection, path: string): Promise<string> {
  const handle = handleOf(await c.client.request(T.OPEN, (w) => openFields(w, path, READ)));
  const reply = await c.client.request(T.READ, (w) => w.string(handle).u64(0).u32(65536));
  const body = reply.type === T.DATA ? str(dataOf(reply)) : '';
  await c.client.close(handle);
  return body;
}

function openFields(
  w: Parameters<Parameters<Connection['client']['request']>[1] & object>[0],
  path: string,
  flags: number,
): void {
  w.string(path).u32(flags);
  encodeAttrs(w, {});
}

async function statusOfRequest(
  c: Connection,
  type: number,
  build: Parameters<Connection['client']['request']>[1],
): Promise<number> {
  return statusOf(await c.client.request(type, build)).code;
}

beforeEach(async () => {
  grid = new Grid({
    nodes: Array.from({ length: 5 }, (_, i) => new MemoryNode({ id: `n${i}`, capacityBytes: 2 ** 30 })),
    encoding: { k: 3, happy: 4, n: 5 },
    threads: 0,
  });
  spoolDir = await mkdtemp(join(tmpdir(), 'grid-bar3-'));
  heisenfiles = new HeisenfileRegistry();
  aliceRoot = await grid.createDirectory();
});

afterEach(async () => {
  for (const c of connections.splice(0)) {
    c.client.stream.end();
    await c.done.catch(() => undefined);
  }
  expect(heisenfiles.size).toBe(0);
  await grid.close();
  await rm(spoolDir, { recursive: true, force: true });
});

describe('issue 3 Bar at packet level', () => {
  it('OPEN and LSTAT sent back to back find the file; STAT while open shows the bytes written', async () => {
    const c = await alice();
    const open = c.client.send(T.OPEN, (w) => openFields(w, '/new.txt', WRITE | CREAT | TRUNC));
    const lstat = c.client.send(T.LSTAT, (w) => w.string('/new.txt'));
    const handle = handleOf(await open.reply);
    expect(attrsOf(await lstat.reply).size).toBe(0);
    expect((await c.client.write(handle, 0, text('x'.repeat(1000)))).code).toBe(OK);
    expect(attrsOf(await c.client.request(T.STAT, (w) => w.string('/new.txt'))).size).toBe(1000);
    await c.client.close(handle);
  });

  it('renames and removes open files', async () => {
    const c = await alice();
    const moving = handleOf(await c.client.request(T.OPEN, (w) => openFields(w, '/a', WRITE | CREAT)));
    await c.client.write(moving, 0, text('moved'));
    expect(await statusOfRequest(c, T.RENAME, (w) => w.string('/a').string('/b'))).toBe(OK);
    await c.client.close(moving);
    expect(await readAll(c, '/b')).toBe('moved');
    expect(await statusOfRequest(c, T.STAT, (w) => w.string('/a'))).toBe(NO_SUCH_FILE);
    const doomed = handleOf(await c.client.request(T.OPEN, (w) => openFields(w, '/gone', WRITE | CREAT)));
    await c.client.write(doomed, 0, text('never'));
    expect(await statusOfRequest(c, T.REMOVE, (w) => w.string('/gone'))).toBe(OK);
    await c.client.close(doomed);
    expect(await statusOfRequest(c, T.STAT, (w) => w.string('/gone'))).toBe(NO_SUCH_FILE);
  });

  it('EXCL, APPEND and truncation through a handle', async () => {
    const c = await alice();
    const created = handleOf(
      await c.client.request(T.OPEN, (w) => openFields(w, '/e', WRITE | CREAT | EXCL)),
    );
    const dir = handleOf(await c.client.request(T.OPENDIR, (w) => w.string('/')));
    expect(namesOf(await c.client.request(T.READDIR, (w) => w.string(dir)))).toContain('e'); // linked at open
    await c.client.close(dir);
    await c.client.write(created, 0, text('abc'));
    await c.client.close(created);
    expect(await statusOfRequest(c, T.OPEN, (w) => openFields(w, '/e', WRITE | CREAT | EXCL))).toBe(FAILURE);
    const appending = handleOf(await c.client.request(T.OPEN, (w) => openFields(w, '/e', WRITE | APPEND)));
    await c.client.write(appending, 0, text('de'));
    await c.client.close(appending);
    expect(await readAll(c, '/e')).toBe('abcde');
    const truncating = handleOf(await c.client.request(T.OPEN, (w) => openFields(w, '/e', WRITE)));
    expect(
      await statusOfRequest(c, T.FSETSTAT, (w) => {
        w.string(truncating);
        encodeAttrs(w, { size: 2 });
      }),
    ).toBe(OK);
    await c.client.close(truncating);
    expect(await readAll(c, '/e')).toBe('ab');
  });

  it('a reopen right after close sees the new content', async () => {
    const c = await alice();
    const handle = handleOf(
      await c.client.request(T.OPEN, (w) => openFields(w, '/r', WRITE | CREAT | TRUNC)),
    );
    void c.client.write(handle, 0, text('fresh'));
    void c.client.close(handle); // not waited for, as sshfs does not
    expect(await readAll(c, '/r')).toBe('fresh');
  });

  it('a dropped connection commits nothing', async () => {
    const c = await alice();
    const dropped = sessionFor('alice', aliceRoot);
    await dropped.client.init();
    const partial = handleOf(
      await dropped.client.request(T.OPEN, (w) => openFields(w, '/partial', WRITE | CREAT)),
    );
    await dropped.client.write(partial, 0, text('half'));
    // The connection goes away with the handle still open (an in-memory pair cannot be cut
    // abruptly; over SSH the channel's close arrives the same way, see the server's stop()).
    dropped.client.stream.end();
    await dropped.done.catch(() => undefined);
    expect(await statusOfRequest(c, T.STAT, (w) => w.string('/partial'))).toBe(NO_SUCH_FILE);
  });

  it('plain rename onto an existing name fails with FAILURE, POSIX rename overwrites; statvfs answers', async () => {
    const c = await alice();
    for (const [name, body] of [
      ['/p', 'P'],
      ['/q', 'Q'],
    ] as const) {
      const h = handleOf(await c.client.request(T.OPEN, (w) => openFields(w, name, WRITE | CREAT)));
      await c.client.write(h, 0, text(body));
      await c.client.close(h);
    }
    expect(await statusOfRequest(c, T.RENAME, (w) => w.string('/p').string('/q'))).toBe(FAILURE);
    expect(
      statusOf(await c.client.extended('posix-rename@openssh.com', (w) => w.string('/p').string('/q'))).code,
    ).toBe(OK);
    expect(await readAll(c, '/q')).toBe('P');
    const vfs = await c.client.extended('statvfs@openssh.com', (w) => w.string('/'));
    expect(vfs.type).toBe(T.EXTENDED_REPLY);
  });

  it('reads /uri/<cap>; a second account sharing the directory sees the open file', async () => {
    const c = await alice();
    const stored = await grid.uploadBytes(text('a file reached by its cap, long enough to be a CHK file.'), {
      key: 'random',
    });
    expect(await readAll(c, `/uri/${formatCap(stored.cap)}`)).toBe(
      'a file reached by its cap, long enough to be a CHK file.',
    );

    const shared = await grid.createDirectory();
    await grid.addChild(aliceRoot, 'shared', shared);
    const bobRoot = await grid.createDirectory();
    await grid.addChild(bobRoot, 'team', shared);
    const bob = sessionFor('bob', bobRoot);
    await bob.client.init();
    const handle = handleOf(
      await c.client.request(T.OPEN, (w) => openFields(w, '/shared/plan.txt', WRITE | CREAT)),
    );
    await c.client.write(handle, 0, text('twelve bytes'));
    expect(attrsOf(await bob.client.request(T.STAT, (w) => w.string('/team/plan.txt'))).size).toBe(12);
    await c.client.close(handle);
  });

  it('a read-only account is refused every write with PERMISSION_DENIED and sees no write bits', async () => {
    const c = await alice();
    const h = handleOf(await c.client.request(T.OPEN, (w) => openFields(w, '/ro.txt', WRITE | CREAT)));
    await c.client.write(h, 0, text('read me'));
    await c.client.close(h);
    const readOnly = sessionFor('reader', mutableReadCap(aliceRoot));
    await readOnly.client.init();
    const r = readOnly.client;
    expect(await statusOfRequest(readOnly, T.OPEN, (w) => openFields(w, '/ro.txt', WRITE))).toBe(
      PERMISSION_DENIED,
    );
    expect(await statusOfRequest(readOnly, T.OPEN, (w) => openFields(w, '/new.txt', WRITE | CREAT))).toBe(
      PERMISSION_DENIED,
    );
    expect(await statusOfRequest(readOnly, T.REMOVE, (w) => w.string('/ro.txt'))).toBe(PERMISSION_DENIED);
    expect(await statusOfRequest(readOnly, T.RENAME, (w) => w.string('/ro.txt').string('/x'))).toBe(
      PERMISSION_DENIED,
    );
    expect(
      await statusOfRequest(readOnly, T.MKDIR, (w) => {
        w.string('/d');
        encodeAttrs(w, {});
      }),
    ).toBe(PERMISSION_DENIED);
    expect(
      await statusOfRequest(readOnly, T.SETSTAT, (w) => {
        w.string('/ro.txt');
        encodeAttrs(w, { mtime: 1, atime: 1 });
      }),
    ).toBe(PERMISSION_DENIED);
    const attrs = attrsOf(await r.request(T.LSTAT, (w) => w.string('/ro.txt')));
    expect((attrs.permissions ?? 0) & 0o222).toBe(0);
    expect(await readAll(readOnly, '/ro.txt')).toBe('read me');
  });
});
