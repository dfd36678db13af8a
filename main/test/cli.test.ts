import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, type CliResult } from './helpers/run-cli.js';

let root: string;

beforeAll(async () => {
  assertBuilt();
  root = await mkdtemp(join(tmpdir(), 'grid-sftp-cli-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let homes = 0;
async function newHome(...initArgs: string[]): Promise<string> {
  const home = join(root, `home-${++homes}`);
  const result = await runCli(['--home', home, 'init', ...initArgs]);
  expect(result.code, result.stderr).toBe(0);
  return home;
}

/** An expected failure: the exit code, exactly one line on stderr, and never a stack trace. */
function expectOneLineError(result: CliResult, pattern: RegExp, code = 1): void {
  expect(result.code).toBe(code);
  expect(result.errLines).toHaveLength(1);
  expect(result.errLines[0]).toMatch(/^grid-sftp: /);
  expect(result.errLines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('init', () => {
  it('makes a home with 5 nodes, 3-of-5 happy 4, and a private convergence secret', async () => {
    const home = await newHome();
    const config = JSON.parse(await readFile(join(home, 'grid.json'), 'utf8')) as {
      format: string;
      version: number;
      encoding: { k: number; happy: number; n: number };
      nodes: Array<{ id: string; kind: string; path: string }>;
    };
    expect(config.format).toBe('grid-sftp-home');
    expect(config.version).toBe(1);
    expect(config.encoding).toEqual({ k: 3, happy: 4, n: 5 });
    expect(config.nodes.map((n) => n.kind)).toEqual(Array(5).fill('local'));
    expect(new Set(config.nodes.map((n) => n.id)).size).toBe(5);
    expect((await readdir(join(home, 'nodes'))).sort()).toEqual([
      'node-1',
      'node-2',
      'node-3',
      'node-4',
      'node-5',
    ]);
    const key = await readFile(join(home, 'secrets', 'convergence.key'));
    expect(key).toHaveLength(32);
    if (process.platform !== 'win32') {
      expect((await stat(join(home, 'secrets', 'convergence.key'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(home, 'secrets'))).mode & 0o777).toBe(0o700);
    }
  });

  it('takes --nodes and explicit encodings, and derives the rest', async () => {
    const three = await newHome('--nodes', '3');
    const config = JSON.parse(await readFile(join(three, 'grid.json'), 'utf8')) as {
      encoding: object;
      nodes: unknown[];
    };
    expect(config.encoding).toEqual({ k: 2, happy: 3, n: 3 });
    expect(config.nodes).toHaveLength(3);
    const custom = await newHome('--nodes', '4', '--k', '2', '--happy', '3', '--n', '6');
    expect(JSON.parse(await readFile(join(custom, 'grid.json'), 'utf8'))).toMatchObject({
      encoding: { k: 2, happy: 3, n: 6 },
    });
  });

  it('refuses to overwrite an existing home', async () => {
    const home = await newHome('--nodes', '2');
    const before = await readFile(join(home, 'grid.json'), 'utf8');
    expectOneLineError(await runCli(['--home', home, 'init']), /already exists/);
    expect(await readFile(join(home, 'grid.json'), 'utf8')).toBe(before);
  });

  it('refuses impossible encodings with one clear line', async () => {
    const home = join(root, 'never');
    expectOneLineError(
      await runCli(['--home', home, 'init', '--k', '4', '--happy', '3']),
      /happy \(3\) must lie between k \(4\)/,
    );
    expectOneLineError(
      await runCli(['--home', home, 'init', '--nodes', '3', '--happy', '4', '--n', '5']),
      /cannot exceed the number of storage nodes/,
    );
    expectOneLineError(
      await runCli(['--home', home, 'init', '--k', '6', '--n', '5']),
      /k \(6\) cannot exceed n \(5\)/,
    );
    expectOneLineError(
      await runCli(['--home', home, 'init', '--n', '300', '--nodes', '5']),
      /n must be at most 256/,
    );
    expectOneLineError(
      await runCli(['--home', home, 'init', '--nodes', '0']),
      /--nodes must be a whole number/,
    );
    expectOneLineError(await runCli(['--home', home, 'init', '--k', 'three']), /expected a whole number/, 2);
    expectOneLineError(await runCli(['--home', home, 'init', '--nodes', '-1']), /./, 2);
    await expect(stat(home)).rejects.toThrow();
  });

  it('refuses a non-empty folder that is not a home', async () => {
    const dir = join(root, 'busy');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    expectOneLineError(await runCli(['--home', dir, 'init']), /not empty/);
  });
});

describe('--home', () => {
  it('works before or after the subcommand, and from $GRID_SFTP_HOME', async () => {
    const home = await newHome('--nodes', '2');
    const before = await runCli(['--home', home, 'node', 'list', '--json']);
    const after = await runCli(['node', 'list', '--json', '--home', home]);
    const fromEnv = await runCli(['node', 'list', '--json'], { env: { GRID_SFTP_HOME: home } });
    for (const result of [before, after, fromEnv]) {
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.out)).toHaveLength(2);
    }
  });

  it('says so when there is no home', async () => {
    expectOneLineError(await runCli(['--home', join(root, 'absent'), 'node', 'list']), /no grid at .*init/);
  });

  it('reports a damaged grid.json in one line', async () => {
    const home = await newHome('--nodes', '1');
    await writeFile(join(home, 'grid.json'), '{"format":"grid-sftp-home","version":1,"encoding":{"k":0}}');
    expectOneLineError(await runCli(['--home', home, 'node', 'list']), /grid\.json is damaged/);
    await writeFile(join(home, 'grid.json'), 'not json');
    expectOneLineError(await runCli(['--home', home, 'node', 'list']), /grid\.json is damaged/);
    await writeFile(join(home, 'grid.json'), '{"format":"grid-sftp-home","version":9}');
    expectOneLineError(await runCli(['--home', home, 'node', 'list']), /version 9/);
  });
});

describe('node', () => {
  it('lists nodes with id, kind, path, capacity and use', async () => {
    const home = await newHome('--nodes', '2');
    const list = await runCli(['--home', home, 'node', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const nodes = JSON.parse(list.out) as Array<Record<string, unknown>>;
    for (const [i, node] of nodes.entries()) {
      expect(node).toMatchObject({
        kind: 'local',
        path: join(home, 'nodes', `node-${i + 1}`),
        ok: true,
        usedBytes: 0,
      });
      expect(node['id']).toMatch(/^n-/);
      expect(node['totalBytes']).toBeGreaterThan(0);
      expect(node['freeBytes']).toBeGreaterThan(0);
    }
    const text = await runCli(['--home', home, 'node', 'list']);
    expect(text.code).toBe(0);
    expect(text.out).toContain(join(home, 'nodes', 'node-2'));
  });

  it('adds a new local node, adopts an existing node folder, and refuses duplicates', async () => {
    const home = await newHome('--nodes', '1');
    const fresh = join(root, 'extra-node');
    const added = await runCli(['--home', home, 'node', 'add-local', fresh]);
    expect(added.code, added.stderr).toBe(0);
    expectOneLineError(await runCli(['--home', home, 'node', 'add-local', fresh]), /already storage node/);

    // A node folder of another home joins with its id.
    const other = await newHome('--nodes', '1');
    const adopted = await runCli(['--home', home, 'node', 'add-local', join(other, 'nodes', 'node-1')]);
    expect(adopted.code, adopted.stderr).toBe(0);
    const nodes = JSON.parse((await runCli(['--home', home, 'node', 'list', '--json'])).out) as Array<{
      id: string;
      path: string;
    }>;
    expect(nodes.map((n) => n.path)).toEqual([
      join(home, 'nodes', 'node-1'),
      fresh,
      join(other, 'nodes', 'node-1'),
    ]);

    // The same node reached by another path (a copy of the folder) is still a duplicate.
    const copy = join(root, 'copy-of-node');
    await mkdir(copy);
    await writeFile(join(copy, 'node.json'), await readFile(join(fresh, 'node.json')));
    expectOneLineError(await runCli(['--home', home, 'node', 'add-local', copy]), /already has/);

    const busy = join(root, 'busy-folder');
    await mkdir(busy);
    await writeFile(join(busy, 'x'), 'x');
    expectOneLineError(await runCli(['--home', home, 'node', 'add-local', busy]), /not empty/);
  });
});

describe('put, get, mkdir, ls', () => {
  let home: string;
  let dir: string;
  const content = randomBytes(300_000);

  beforeAll(async () => {
    home = await newHome();
    dir = join(root, 'files');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'data.bin'), content);
    await writeFile(join(dir, 'tiny.txt'), 'twenty bytes of text');
  });

  it('stores a file and reads it back, to stdout and to a file', async () => {
    const put = await runCli(['--home', home, 'put', join(dir, 'data.bin')]);
    expect(put.code, put.stderr).toBe(0);
    expect(put.lastLine).toMatch(/^gs1-chk-/);
    const get = await runCli(['--home', home, 'get', put.lastLine]);
    expect(get.code, get.stderr).toBe(0);
    expect(sha256(get.stdout)).toBe(sha256(content));
    const target = join(dir, 'copy.bin');
    const toFile = await runCli(['--home', home, 'get', put.lastLine, '-o', target]);
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(toFile.stdout).toHaveLength(0);
    expect(sha256(await readFile(target))).toBe(sha256(content));
  });

  it('deduplicates with the convergent key, and not with --random-key', async () => {
    const a = await runCli(['--home', home, 'put', join(dir, 'data.bin')]);
    const b = await runCli(['--home', home, 'put', join(dir, 'data.bin')]);
    const c = await runCli(['--home', home, 'put', '--random-key', join(dir, 'data.bin')]);
    expect(a.lastLine).toBe(b.lastLine);
    expect(c.code, c.stderr).toBe(0);
    expect(c.lastLine).toMatch(/^gs1-chk-/);
    expect(c.lastLine).not.toBe(a.lastLine);
  });

  it('keeps tiny files in a literal cap', async () => {
    const put = await runCli(['--home', home, 'put', join(dir, 'tiny.txt')]);
    expect(put.lastLine).toMatch(/^gs1-lit-/);
    expect((await runCli(['--home', home, 'get', put.lastLine])).out).toBe('twenty bytes of text');
    const check = await runCli(['--home', home, 'check', put.lastLine]);
    expect(check.code).toBe(0);
  });

  it('stores mutable files, and refuses one over 64 MiB before reading it', async () => {
    const put = await runCli(['--home', home, 'put', '--mutable', join(dir, 'tiny.txt')]);
    expect(put.code, put.stderr).toBe(0);
    expect(put.lastLine).toMatch(/^gs1-mut-/);
    expect((await runCli(['--home', home, 'get', put.lastLine])).out).toBe('twenty bytes of text');
    const huge = join(dir, 'huge.bin');
    await writeFile(huge, '');
    await truncate(huge, 64 * 1024 * 1024 + 1); // sparse: costs no disk
    expectOneLineError(await runCli(['--home', home, 'put', '--mutable', huge]), /at most 64\.0 MiB/, 2);
  });

  it('makes directories, links files into them, and lists them', async () => {
    const root = await runCli(['--home', home, 'mkdir']);
    expect(root.code, root.stderr).toBe(0);
    const rootCap = root.lastLine;
    expect(rootCap).toMatch(/^gs1-dir-/);
    const sub = await runCli(['--home', home, 'mkdir', `${rootCap}/docs`]);
    expect(sub.code, sub.stderr).toBe(0);
    expect(sub.lastLine).toMatch(/^gs1-dir-/);
    expectOneLineError(await runCli(['--home', home, 'mkdir', `${rootCap}/docs`]), /already exists/);
    expectOneLineError(await runCli(['--home', home, 'mkdir', `${rootCap}/missing/child`]), /no "missing"/);

    const put = await runCli(['--home', home, 'put', join(dir, 'data.bin'), `${rootCap}/docs/data.bin`]);
    expect(put.code, put.stderr).toBe(0);
    await runCli(['--home', home, 'put', join(dir, 'tiny.txt'), `${rootCap}/tiny.txt`]);

    const listing = await runCli(['--home', home, 'ls', rootCap]);
    expect(listing.code, listing.stderr).toBe(0);
    expect(listing.out).toMatch(/^directory\s+-\s+\S+ \S+\s+docs$/m);
    expect(listing.out).toMatch(/^file\s+20\s+\S+ \S+\s+tiny\.txt$/m);

    const json = await runCli(['--home', home, 'ls', `${rootCap}/docs`, '--json']);
    const entries = JSON.parse(json.out) as Array<Record<string, unknown>>;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      name: 'data.bin',
      type: 'file',
      size: content.length,
      readCap: put.lastLine,
    });
    expect(entries[0]?.['metadata']).toHaveProperty('mtime');

    const viaPath = await runCli(['--home', home, 'get', `${rootCap}/docs/data.bin`]);
    expect(sha256(viaPath.stdout)).toBe(sha256(content));
    const describeFile = await runCli(['--home', home, 'ls', put.lastLine]);
    expect(describeFile.out).toMatch(/^file\s+300000\s/);

    // Through the read cap the listing works, but the directory cannot be changed.
    const readCap = (
      JSON.parse((await runCli(['--home', home, 'ls', rootCap, '--json'])).out) as Array<{
        name: string;
        readCap: string;
      }>
    ).find((e) => e.name === 'docs')?.readCap as string;
    expect(readCap).toMatch(/^gs1-dirr-/);
    expect(JSON.parse((await runCli(['--home', home, 'ls', readCap, '--json'])).out)).toHaveLength(1);
    expectOneLineError(await runCli(['--home', home, 'mkdir', `${readCap}/new`]), /read-only/);
  });

  it('checks, verifies and repairs a healthy file with exit 0', async () => {
    const cap = (await runCli(['--home', home, 'put', join(dir, 'data.bin')])).lastLine;
    for (const command of ['check', 'verify', 'repair']) {
      const result = await runCli(['--home', home, command, cap]);
      expect(result.code, `${command}: ${result.stderr}`).toBe(0);
      expect(result.out).toMatch(/5 of 5 found/);
    }
  });
});

describe('errors', () => {
  let home: string;
  beforeAll(async () => {
    home = await newHome('--nodes', '3');
  });

  it('rejects bad caps without echoing them', async () => {
    expectOneLineError(await runCli(['--home', home, 'get', 'hello']), /not a grid-sftp cap/);
    expectOneLineError(await runCli(['--home', home, 'get', 'gs1-chk-abc']), /malformed/);
    const secretish = 'gs1-dir-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const result = await runCli(['--home', home, 'ls', secretish]);
    expectOneLineError(result, /malformed/);
    expect(result.stderr).not.toContain(secretish);
    expectOneLineError(await runCli(['--home', home, 'check', 'nope']), /not a grid-sftp cap/);
  });

  it('reports a missing file and a directory where a file is wanted', async () => {
    expectOneLineError(
      await runCli(['--home', home, 'put', join(root, 'no-such-file')]),
      /no-such-file: no such file/,
    );
    const dir = (await runCli(['--home', home, 'mkdir'])).lastLine;
    expectOneLineError(await runCli(['--home', home, 'get', dir]), /directory, not a file/);
    expectOneLineError(await runCli(['--home', home, 'ls', `${dir}/nothing`]), /no "nothing"/);
  });

  it('answers usage errors with exit 2 and one line', async () => {
    expectOneLineError(await runCli(['frobnicate']), /unknown command 'frobnicate'/, 2);
    expectOneLineError(await runCli(['get']), /missing required argument/, 2);
    expectOneLineError(await runCli(['--home', home, 'ls', '--bogus', 'x']), /unknown option '--bogus'/, 2);
    expectOneLineError(
      await runCli(['--home', home, 'mkdir', (await runCli(['--home', home, 'mkdir'])).lastLine]),
      /give the new directory name/,
      2,
    );
  });

  it('prints help and version with exit 0', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['init', 'node', 'put', 'get', 'mkdir', 'ls', 'check', 'verify', 'repair'])
      expect(help.out).toContain(command);
    expect((await runCli(['--version'])).out).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('unavailable nodes', () => {
  it('warns once per missing node and keeps working while happy can be met', async () => {
    const home = await newHome();
    const file = join(root, 'survivor.bin');
    const content = randomBytes(100_000);
    await writeFile(file, content);
    const before = (await runCli(['--home', home, 'put', file])).lastLine;
    await rm(join(home, 'nodes', 'node-5'), { recursive: true, force: true });

    const list = await runCli(['--home', home, 'node', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(list.errLines).toEqual([
      expect.stringMatching(
        /^grid-sftp: warning: storage node .*node-5\) is unavailable: its folder is missing$/,
      ),
    ]);
    const nodes = JSON.parse(list.out) as Array<{ ok: boolean; error?: string }>;
    expect(nodes.filter((n) => !n.ok)).toEqual([expect.objectContaining({ error: 'its folder is missing' })]);

    const get = await runCli(['--home', home, 'get', before]);
    expect(get.code, `${get.signal} ${get.stderr}`).toBe(0);
    expect(sha256(get.stdout)).toBe(sha256(content));

    // 4 nodes remain and happy is 4: uploads still succeed.
    await writeFile(file, randomBytes(100_000));
    const put = await runCli(['--home', home, 'put', file]);
    expect(put.code, put.stderr).toBe(0);
    expect(put.lastLine).toMatch(/^gs1-chk-/);

    // With 3 left, happy 4 cannot be met: a clear refusal.
    await rm(join(home, 'nodes', 'node-4'), { recursive: true, force: true });
    await writeFile(file, randomBytes(100_000));
    const refused = await runCli(['--home', home, 'put', file]);
    expect(refused.code).toBe(1);
    expect(refused.errLines.at(-1)).toMatch(/^grid-sftp: upload failed: .*4 are required/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });

  it('treats a node folder holding another node as unavailable', async () => {
    const home = await newHome('--nodes', '2');
    const other = await newHome('--nodes', '1');
    await rm(join(home, 'nodes', 'node-2'), { recursive: true });
    await mkdir(join(home, 'nodes', 'node-2'));
    await writeFile(
      join(home, 'nodes', 'node-2', 'node.json'),
      await readFile(join(other, 'nodes', 'node-1', 'node.json')),
    );
    const list = await runCli(['--home', home, 'node', 'list']);
    expect(list.code).toBe(0);
    expect(list.errLines).toEqual([
      expect.stringMatching(/unavailable: the folder holds node n-\w+, not n-\w+/),
    ]);
  });
});
