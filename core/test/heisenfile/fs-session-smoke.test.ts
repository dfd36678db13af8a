import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActivityRegistry } from '../../src/activity/index.js';
import { Grid } from '../../src/grid/grid.js';
import { HeisenfileRegistry } from '../../src/heisenfile/registry.js';
import { OpenFlags } from '../../src/heisenfile/session-api.js';
import { FileSystemSession } from '../../src/heisenfile/session.js';
import { MemoryNode } from '../../src/storage/memory-node.js';
import { SftpStatus } from '../../src/vfs/sftp-status.js';

const { READ, WRITE, CREAT, TRUNC, EXCL, APPEND } = OpenFlags;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

let grid: Grid;
let spoolDir: string;
let heisenfiles: HeisenfileRegistry;
let activity: ActivityRegistry;
let session: FileSystemSession;

beforeEach(async () => {
  grid = new Grid({
    nodes: Array.from({ length: 5 }, (_, i) => new MemoryNode({ id: `n${i}` })),
    encoding: { k: 3, happy: 4, n: 5 },
    threads: 0,
  });
  spoolDir = await mkdtemp(join(tmpdir(), 'grid-session-'));
  heisenfiles = new HeisenfileRegistry();
  activity = new ActivityRegistry();
  session = new FileSystemSession({
    grid,
    heisenfiles,
    activity,
    account: 'alice',
    root: await grid.createDirectory(),
    convergenceSecret: new Uint8Array(32),
    spoolDir,
  });
});

afterEach(async () => {
  await session.end();
  expect(heisenfiles.size).toBe(0);
  await grid.close();
  await rm(spoolDir, { recursive: true, force: true });
});

async function readAll(path: string): Promise<string> {
  const handle = await session.open(path, READ, {});
  const parts: Uint8Array[] = [];
  for (let offset = 0; ;) {
    try {
      const data = await handle.read(offset, 1000);
      parts.push(data);
      offset += data.length;
    } catch (error) {
      expect(error).toMatchObject({ status: SftpStatus.EOF });
      break;
    }
  }
  await handle.close();
  return str(Buffer.concat(parts));
}

describe('FileSystemSession (smoke)', () => {
  it('creates, shows while open, commits on close and reads back', async () => {
    const handle = await session.open('/a.txt', WRITE | CREAT | TRUNC, {});
    await handle.write(0, text('hello '));
    await handle.write(6, text('world'));
    expect((await session.stat('/a.txt')).size).toBe(11);
    expect(activity.snapshot().find((h) => h.id === handle.id)).toMatchObject({
      state: 'open',
      bytesWritten: 11,
    });
    await handle.close();
    expect(activity.snapshot().find((h) => h.id === handle.id)?.state).toBe('committed');
    expect(await readAll('/a.txt')).toBe('hello world');
  });

  it('renames and removes open files, appends, and creates exclusively', async () => {
    const handle = await session.open('/b', WRITE | CREAT, {});
    await handle.write(0, text('x'));
    await session.rename('/b', '/c');
    await handle.close();
    expect(await readAll('/c')).toBe('x');
    await expect(session.stat('/b')).rejects.toMatchObject({ status: SftpStatus.NO_SUCH_FILE });

    const doomed = await session.open('/d', WRITE | CREAT, {});
    await doomed.write(0, text('never'));
    await session.remove('/d');
    await doomed.close();
    await expect(session.stat('/d')).rejects.toMatchObject({ status: SftpStatus.NO_SUCH_FILE });

    const append = await session.open('/c', WRITE | APPEND, {});
    await append.write(0, text('yz'));
    await append.close();
    expect(await readAll('/c')).toBe('xyz');

    await expect(session.open('/c', WRITE | CREAT | EXCL, {})).rejects.toMatchObject({
      status: SftpStatus.FAILURE,
    });
    const excl = await session.open('/e', WRITE | CREAT | EXCL, {});
    expect((await session.stat('/e')).size).toBe(0);
    await excl.close();
  });

  it('refuses a plain rename onto an existing name, lets posix-rename overwrite', async () => {
    for (const [name, body] of [
      ['/p', 'P'],
      ['/q', 'Q'],
    ] as const) {
      const h = await session.open(name, WRITE | CREAT, {});
      await h.write(0, text(body));
      await h.close();
    }
    await expect(session.rename('/p', '/q')).rejects.toMatchObject({ status: SftpStatus.FAILURE });
    await session.posixRename('/p', '/q');
    expect(await readAll('/q')).toBe('P');
  });

  it('abandons what a dropped session had open', async () => {
    const other = new FileSystemSession({
      grid,
      heisenfiles,
      activity,
      account: 'alice',
      root: (session as unknown as { options: { root: never } }).options.root,
      convergenceSecret: new Uint8Array(32),
      spoolDir,
    });
    const handle = await other.open('/partial', WRITE | CREAT, {});
    await handle.write(0, text('half'));
    await other.end();
    await expect(session.stat('/partial')).rejects.toMatchObject({ status: SftpStatus.NO_SUCH_FILE });
    expect(activity.snapshot().find((h) => h.id === handle.id)?.state).toBe('abandoned');
  });
});

describe('copy-data', () => {
  it('relinks a whole immutable file instead of copying it, and copies ranges byte by byte', async () => {
    const root = (session as unknown as { options: { root: Parameters<Grid['addChild']>[0] } }).options.root;
    const body = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
    // A random key: a copy through upload would get a different cap; only a relink keeps it.
    const stored = await grid.uploadBytes(body, { key: 'random' });
    await grid.addChild(root, 'src', stored.cap);
    const from = await session.open('/src', READ, {});
    const to = await session.open('/dst', WRITE | CREAT | TRUNC, {});
    await session.copyData(from, 0, 0, to, 0);
    expect((await to.fstat()).size).toBe(body.length);
    await to.close();
    const entries = await grid.listDirectory(root);
    expect(entries.find((e) => e.name === 'dst')?.readCap).toBe(
      entries.find((e) => e.name === 'src')?.readCap,
    );

    const part = await session.open('/part', WRITE | CREAT, {});
    await session.copyData(from, 1000, 5000, part, 10);
    await part.close();
    await from.close();
    const check = await session.open('/part', READ, {});
    const got = await check.read(0, 10_000);
    await check.close();
    expect(got.length).toBe(5010);
    expect(Buffer.from(got.subarray(10)).equals(Buffer.from(body.subarray(1000, 6000)))).toBe(true);
    expect([...got.subarray(0, 10)]).toEqual(new Array(10).fill(0));
  });
});

describe('reading a file whose commit is still running', () => {
  it('answers from the spool at once, and the spool goes away after the last reader', async () => {
    const { FaultyNode } = await import('../helpers/faulty-node.js');
    const slowNodes = Array.from({ length: 5 }, (_, i) => new FaultyNode(new MemoryNode({ id: `s${i}` })));
    const slowGrid = new Grid({ nodes: slowNodes, encoding: { k: 3, happy: 4, n: 5 }, threads: 0 });
    const slow = new FileSystemSession({
      grid: slowGrid,
      heisenfiles,
      activity,
      account: 'alice',
      root: await slowGrid.createDirectory(),
      convergenceSecret: new Uint8Array(32),
      spoolDir,
    });
    try {
      const writer = await slow.open('/late.txt', WRITE | CREAT | TRUNC, {});
      await writer.write(0, text('fresh bytes'));
      // Past what a spool keeps in memory: this spool is a temp file.
      await writer.write(11, new Uint8Array(80 * 1024));
      for (const node of slowNodes) node.delayMs = 150; // the commit now takes a while
      const closing = writer.close();
      const reader = await slow.open('/late.txt', READ, {});
      expect(activity.snapshot().find((h) => h.id === writer.id)?.state).toMatch(/closing|committing/);
      expect(str(await reader.read(0, 11))).toBe('fresh bytes');
      await closing;
      expect(str(await reader.read(6, 5))).toBe('bytes'); // still readable after the commit
      expect(await readdir(spoolDir)).toHaveLength(1); // kept for the reader after the commit
      await reader.close();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await readdir(spoolDir)).toHaveLength(0);
      for (const node of slowNodes) node.delayMs = 0;
      const again = await slow.open('/late.txt', READ, {});
      expect(str(await again.read(0, 11))).toBe('fresh bytes');
      await again.close();
    } finally {
      await slow.end();
      await slowGrid.close();
    }
  });
});

describe('several connections of one client', () => {
  it('lets a read on one connection wait briefly for the close still in flight on another', async () => {
    const root = (session as unknown as { options: { root: Parameters<Grid['addChild']>[0] } }).options.root;
    const second = new FileSystemSession({
      grid,
      heisenfiles,
      activity,
      account: 'alice',
      root,
      convergenceSecret: new Uint8Array(32),
      spoolDir,
    });
    try {
      const writer = await session.open('/multi.txt', WRITE | CREAT | TRUNC, {});
      await writer.write(0, text('from connection one'));
      const reading = second.open('/multi.txt', READ, {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      await writer.close();
      const reader = await reading;
      expect(str(await reader.read(0, 100))).toBe('from connection one');
      await reader.close();
    } finally {
      await second.end();
    }
  });
});
