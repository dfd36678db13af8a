// A gateway killed (SIGKILL) in the middle of an upload that streams into the grid: after a
// restart the file reads back as its last committed version, no share of the lost upload is
// installed, and its temp shares and spool go away.
import { spawn } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clientSshOptions,
  hasCommand,
  prepareHome,
  spawnServe,
  type ServeProcess,
} from './helpers/gateway-server.js';

const MiB = 1024 * 1024;
const haveSftp = hasCommand('sftp') && hasCommand('ssh');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Runs sftp in batch mode; resolves with its exit code (a killed server makes it fail). */
function sftp(port: number, key: string, cwd: string, commands: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'sftp',
      ['-q', '-i', key, '-P', String(port), ...clientSshOptions(key), '-b', '-', 'alice@127.0.0.1'],
      { cwd, stdio: ['pipe', 'ignore', 'ignore'] },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.stdin.end(commands.join('\n') + '\n');
  });
}

/** Every file under `dir`, relative (empty when it does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  let entries;
  for (let attempt = 1; ; attempt++) {
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
      break;
    } catch (err) {
      // A lock folder of a live process can vanish during the walk: walk again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 10) throw err;
    }
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

async function shareFiles(home: string): Promise<string[]> {
  const nodes = await readdir(join(home, 'nodes'));
  const lists = await Promise.all(
    nodes.map(async (node) =>
      (await filesUnder(join(home, 'nodes', node, 'shares'))).map((f) => `${node}/${f}`),
    ),
  );
  return lists.flat().sort();
}

/** Temp files of the nodes, lock files aside. */
async function tempShares(home: string): Promise<string[]> {
  const nodes = await readdir(join(home, 'nodes'));
  const lists = await Promise.all(
    nodes.map(async (node) =>
      (await filesUnder(join(home, 'nodes', node, 'tmp'))).filter((f) => f.endsWith('.tmp')),
    ),
  );
  return lists.flat();
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!haveSftp)('a gateway killed during a streaming upload', () => {
  it('keeps the last committed version and leaves nothing of the lost upload behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'grid-crash-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { home, aliceKey } = await prepareHome(dir);
    let server: ServeProcess = await spawnServe(home);
    cleanups.push(() => server.stop('SIGKILL'));

    const first = randomBytes(3 * MiB);
    await writeFile(join(dir, 'first.bin'), first);
    expect(await sftp(server.port, aliceKey, dir, ['put first.bin data.bin'])).toBe(0);
    const committed = await shareFiles(home);

    // A bigger new version, killed once its shares are streaming into the nodes' temp files.
    await writeFile(join(dir, 'second.bin'), randomBytes(96 * MiB));
    const upload = sftp(server.port, aliceKey, dir, ['put second.bin data.bin']);
    await until('shares stream into temp files', async () => (await tempShares(home)).length >= 4, 30_000);
    await server.stop('SIGKILL');
    expect(await upload).not.toBe(0);
    expect(await tempShares(home)).not.toEqual([]);

    server = await spawnServe(home);
    expect(await sftp(server.port, aliceKey, dir, ['get data.bin back.bin'])).toBe(0);
    expect(sha(await readFile(join(dir, 'back.bin')))).toBe(sha(first));
    // Only shares committed before the crash (and none of the lost upload) are installed.
    expect(await shareFiles(home)).toEqual(committed);
    expect(await filesUnder(join(home, 'spool'))).toEqual([]);
    // The dead process's temp shares go once its lock is stale (10 s), at the sweep the restarted
    // gateway schedules.
    await until(
      'the dead upload’s temp shares are swept',
      async () => (await tempShares(home)).length === 0,
      20_000,
    );
    await server.stop();
  }, 90_000);
});
