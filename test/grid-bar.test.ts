/**
 * The grid's Bar, end to end through the built CLI, step by step as the issue states it:
 * on `init --nodes 5 --k 3 --happy 4 --n 5`, the same content put twice gives the same cap; a
 * 20-byte file stores no share; a 30 MB file reads back bit-exact after every share on one node
 * is corrupted (verify then fails, repair heals, verify passes) and after two whole nodes are
 * deleted; after a third node is deleted, get fails with a clear message.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../main/bin/grid-sftp.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../main/dist/cli/main.js', import.meta.url));
const SIZE = 30 * 1000 * 1000;

interface Result {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function cli(...args: string[]): Promise<Result> {
  const env = { ...process.env };
  delete env['GRID_SFTP_HOME'];
  delete env['GRID_SFTP_DEBUG'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--home', home, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

const lastLine = (result: Result): string =>
  result.stdout.toString('utf8').trimEnd().split('\n').at(-1) ?? '';
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Deterministic pseudo-random bytes (xorshift32): the same 30 MB on every run, without storing them. */
function pseudoRandom(size: number, seed: number): Buffer {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return Buffer.from(words.buffer, 0, size);
}

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

/** Every share file of every node (shares/<prefix>/<storage index>.<shnum>). */
async function shareFiles(): Promise<string[]> {
  const nodes = await readdir(join(home, 'nodes'));
  const lists = await Promise.all(
    nodes.map(async (node) => {
      const shares = join(home, 'nodes', node, 'shares');
      return existsSync(shares) ? filesUnder(shares) : [];
    }),
  );
  return lists.flat();
}

/** Flips 64 bytes in the middle of a file, the way a failing disk would. */
async function corruptMiddle(file: string): Promise<void> {
  const { size } = await stat(file);
  const handle = await open(file, 'r+');
  try {
    const at = Math.floor(size / 2);
    const bytes = Buffer.alloc(Math.min(64, size - at));
    await handle.read(bytes, 0, bytes.length, at);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (bytes[i] as number) ^ 0xff;
    await handle.write(bytes, 0, bytes.length, at);
  } finally {
    await handle.close();
  }
}

let workDir: string;
let home: string;
let bigFile: string;
let bigHash: string;
let bigCap: string;

beforeAll(async () => {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` before this test`);
  workDir = await mkdtemp(join(tmpdir(), 'grid-sftp-bar-'));
  home = join(workDir, 'home');
  bigFile = join(workDir, 'big.bin');
  const content = pseudoRandom(SIZE, 0x5eed);
  bigHash = sha256(content);
  await writeFile(bigFile, content);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** get to a file (what a user keeps), compared by SHA-256. */
async function expectReadsBack(): Promise<Result> {
  const target = join(workDir, 'read-back.bin');
  await rm(target, { force: true });
  const result = await cli('get', bigCap, '-o', target);
  expect(result.code, result.stderr).toBe(0);
  expect(sha256(await readFile(target))).toBe(bigHash);
  return result;
}

describe('the grid Bar (5 nodes, 3-of-5, happy 4)', { timeout: 180_000 }, () => {
  it('initialises the grid', async () => {
    const init = await cli('init', '--nodes', '5', '--k', '3', '--happy', '4', '--n', '5');
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(home, 'grid.json'), 'utf8'))).toMatchObject({
      encoding: { k: 3, happy: 4, n: 5 },
    });
  });

  it('gives the same cap for the same content put twice', async () => {
    const first = await cli('put', bigFile);
    const second = await cli('put', bigFile);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    bigCap = lastLine(first);
    expect(bigCap).toMatch(/^gs1-chk-/);
    expect(lastLine(second)).toBe(bigCap);
    // One share per node, and the second put added none.
    expect(await shareFiles()).toHaveLength(5);
  });

  it('stores no share for a 20-byte file', async () => {
    const before = (await filesUnder(join(home, 'nodes'))).length;
    const small = join(workDir, 'small.txt');
    await writeFile(small, 'exactly twenty bytes');
    expect((await stat(small)).size).toBe(20);
    const put = await cli('put', small);
    expect(put.code, put.stderr).toBe(0);
    expect((await filesUnder(join(home, 'nodes'))).length).toBe(before);
    const get = await cli('get', lastLine(put));
    expect(get.stdout.toString('utf8')).toBe('exactly twenty bytes');
  });

  it('reads the 30 MB file back bit-exact', async () => {
    await expectReadsBack();
  });

  it('reads it back after every share on one node is corrupted; verify fails, repair heals, verify passes', async () => {
    const node1Shares = await filesUnder(join(home, 'nodes', 'node-1', 'shares'));
    expect(node1Shares.length).toBeGreaterThan(0);
    for (const file of node1Shares) await corruptMiddle(file);
    expect(node1Shares.every((file) => /\.\d+$/.test(file))).toBe(true);

    const read = await expectReadsBack();
    // A read uses the data shares (0..k-1) first, so it meets the corruption only if node-1 held one.
    const shnums = node1Shares.map((file) => Number(/\.(\d+)$/.exec(basename(file))?.[1]));
    if (shnums.some((shnum) => shnum < 3)) {
      expect(read.stderr).toMatch(/warning: skipped share \d+ on node .*node-1\).*corrupt/);
    } else {
      expect(read.stderr).not.toMatch(/warning/);
    }

    const broken = await cli('verify', bigCap);
    expect(broken.code).not.toBe(0);
    expect(broken.stdout.toString('utf8')).toMatch(/BAD: corrupt/);
    expect(broken.stderr).toMatch(/^grid-sftp: not intact/m);

    const repair = await cli('repair', bigCap);
    expect(repair.code, repair.stdout.toString('utf8') + repair.stderr).toBe(0);
    expect(repair.stdout.toString('utf8')).toMatch(/regenerated:\n {2}share \d+ on node .*node-1\)/);

    const healed = await cli('verify', bigCap);
    expect(healed.code, healed.stdout.toString('utf8') + healed.stderr).toBe(0);
    expect(healed.stdout.toString('utf8')).toMatch(/intact: +yes/);
    await expectReadsBack();
  });

  it('reads it back after two whole nodes are deleted', async () => {
    await rm(join(home, 'nodes', 'node-1'), { recursive: true, force: true });
    await rm(join(home, 'nodes', 'node-2'), { recursive: true, force: true });
    const read = await expectReadsBack();
    expect(read.stderr.match(/is unavailable: its folder is missing/g)).toHaveLength(2);
  });

  it('fails get with a clear message after a third node is deleted, leaving no partial file', async () => {
    await rm(join(home, 'nodes', 'node-3'), { recursive: true, force: true });
    const target = join(workDir, 'never.bin');
    const result = await cli('get', bigCap, '-o', target);
    expect(result.code).not.toBe(0);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines.at(-1)).toMatch(
      /^grid-sftp: cannot recover the file: not enough shares\b.*\b3 needed; 3 of 5 storage nodes are unavailable$/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(target)).toBe(false);
    expect((await readdir(workDir)).filter((name) => name.includes('never.bin'))).toEqual([]);

    const toStdout = await cli('get', bigCap);
    expect(toStdout.code).not.toBe(0);
  });
});
