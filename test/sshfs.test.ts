import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFile,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSshOptions, hasCommand, startGateway, type RunningGateway } from './helpers/gateway-server.js';

/**
 * sshfs mounts of `grid-sftp serve` (issue 4): the everyday file work of a mounted folder, with
 * sshfs's default options and with max_conns=3,dir_cache=no. Every mount is unmounted in every
 * path, failures included.
 */
const canMount =
  hasCommand('sshfs') && hasCommand('fusermount3') && spawnSync('test', ['-c', '/dev/fuse']).status === 0;
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function unmount(mountpoint: string): void {
  if (spawnSync('fusermount3', ['-u', mountpoint]).status !== 0)
    spawnSync('fusermount3', ['-uz', mountpoint]);
}

describe.skipIf(!canMount).each([
  ['default options', []],
  ['max_conns=3,dir_cache=no', ['-o', 'max_conns=3,dir_cache=no']],
])('sshfs (%s)', (_label, extra) => {
  let gateway: RunningGateway;
  let mnt: string;

  beforeAll(async () => {
    gateway = await startGateway('grid-sshfs-');
    mnt = join(gateway.dir, 'mnt');
    await mkdir(mnt);
    execFileSync(
      'sshfs',
      ['-p', String(gateway.port), ...clientSshOptions(gateway.aliceKey), ...extra, 'alice@127.0.0.1:/', mnt],
      {
        timeout: 30_000,
      },
    );
  });

  afterAll(async () => {
    if (mnt !== undefined) unmount(mnt);
    await gateway?.stop();
  });

  it('copies a tree in and reads it back identical', async () => {
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 12; i++) files.set(`tree/d${i % 3}/f${i}.bin`, randomBytes(i * 7919 + 1));
    files.set('tree/d0/empty', Buffer.alloc(0));
    for (const [name, body] of files) {
      await mkdir(join(mnt, name, '..'), { recursive: true });
      await writeFile(join(mnt, name), body);
    }
    for (const [name, body] of files) expect(sha(await readFile(join(mnt, name))), name).toBe(sha(body));
    expect((await readdir(join(mnt, 'tree'))).sort()).toEqual(['d0', 'd1', 'd2']);
  });

  it('stores a large file written in order, and one changed out of order while open', async () => {
    // Written in order: streamed into the grid while sshfs writes it. Then a write behind the
    // end through the same handle: the stream is dropped and the spool is committed instead.
    const inOrder = randomBytes(3 * 1024 * 1024 + 4321);
    await writeFile(join(mnt, 'big-in-order.bin'), inOrder);
    const changed = Buffer.from(randomBytes(2 * 1024 * 1024 + 99));
    const handle = await open(join(mnt, 'big-changed.bin'), 'w');
    await handle.write(changed, 0, changed.length, 0);
    const patch = randomBytes(5000);
    await handle.write(patch, 0, patch.length, 777);
    await handle.close();
    patch.copy(changed, 777);
    expect(sha(await readFile(join(mnt, 'big-in-order.bin')))).toBe(sha(inOrder));
    expect(sha(await readFile(join(mnt, 'big-changed.bin')))).toBe(sha(changed));
  });

  it('renames over an existing file, truncates by path and through an open file, appends', async () => {
    await writeFile(join(mnt, 'one'), 'first');
    await writeFile(join(mnt, 'two'), 'second');
    await rename(join(mnt, 'one'), join(mnt, 'two'));
    expect(await readFile(join(mnt, 'two'), 'utf8')).toBe('first');
    await truncate(join(mnt, 'two'), 2);
    expect(await readFile(join(mnt, 'two'), 'utf8')).toBe('fi');
    const handle = await open(join(mnt, 'two'), 'r+');
    await handle.truncate(1);
    await handle.close();
    expect(await readFile(join(mnt, 'two'), 'utf8')).toBe('f');
    await appendFile(join(mnt, 'two'), 'oo');
    expect(await readFile(join(mnt, 'two'), 'utf8')).toBe('foo');
  });

  it('writes and reads after unlink, and keeps a file renamed while open', async () => {
    const handle = await open(join(mnt, 'ghost'), 'w+');
    await handle.write('boo');
    await unlink(join(mnt, 'ghost'));
    await handle.close();
    await expect(stat(join(mnt, 'ghost'))).rejects.toThrow();
    const moving = await open(join(mnt, 'before'), 'w');
    await moving.write('moved while open');
    await rename(join(mnt, 'before'), join(mnt, 'after'));
    await moving.close();
    expect(await readFile(join(mnt, 'after'), 'utf8')).toBe('moved while open');
  });

  it('survives the editor save pattern: write a temp file, fsync, rename over', async () => {
    await writeFile(join(mnt, 'doc.txt'), 'version 1');
    const temp = await open(join(mnt, '.doc.txt.swp'), 'w');
    await temp.write('version 2');
    await temp.sync();
    await temp.close();
    await rename(join(mnt, '.doc.txt.swp'), join(mnt, 'doc.txt'));
    expect(await readFile(join(mnt, 'doc.txt'), 'utf8')).toBe('version 2');
  });

  it.skipIf(!hasCommand('git', '--version'))('holds a git repository: init, commit, fsck', () => {
    const repo = join(mnt, 'repo');
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
        cwd: repo,
        encoding: 'utf8',
        timeout: 60_000,
      });
    execFileSync('mkdir', ['-p', repo]);
    git('init', '-q');
    execFileSync('sh', ['-c', 'echo hello > a.txt && echo world > b.txt'], { cwd: repo });
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    // A second round of index.lock renames and object links, over the first round's files.
    execFileSync('sh', ['-c', 'echo again >> a.txt && mkdir -p sub && echo new > sub/c.txt'], { cwd: repo });
    git('add', '.');
    git('commit', '-q', '-m', 'second');
    expect(git('fsck', '--strict')).toBe('');
    expect(git('log', '--format=%s')).toBe('second\nfirst\n');
    expect(git('status', '--porcelain')).toBe('');
  });

  it.skipIf(!hasCommand('sqlite3', '--version'))('holds a sqlite database', () => {
    const db = join(mnt, 'data.db');
    execFileSync('sqlite3', [db, 'CREATE TABLE t(x); INSERT INTO t VALUES (1),(2),(3);'], {
      timeout: 60_000,
    });
    expect(execFileSync('sqlite3', [db, 'SELECT sum(x) FROM t;'], { encoding: 'utf8' }).trim()).toBe('6');
    expect(execFileSync('sqlite3', [db, 'PRAGMA integrity_check;'], { encoding: 'utf8' }).trim()).toBe('ok');
  });
});
