import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, runCli } from '../helpers/run-cli.js';
import { ed25519Line } from '../helpers/ssh-keys.js';

let dir: string;
let home: string;

/** Runs the built CLI with text on its standard input. */
function withInput(
  args: readonly string[],
  input: string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
}

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'grid-account-cli-'));
  home = join(dir, 'home');
  expect((await runCli(['init', '--nodes', '5', '--home', home])).code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('grid-sftp account', () => {
  it('adds accounts with a password from stdin and with keys, lists them as JSON, removes one', async () => {
    const added = await withInput(
      ['account', 'add', 'alice', '--password-stdin', '--home', home],
      'hunter2\n',
    );
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/Added account alice\s+read-write\s+password/);
    const keyFile = join(dir, 'bob.pub');
    await writeFile(keyFile, `${ed25519Line('bob@host')}\n`);
    const bob = await runCli(['account', 'add', 'bob', '--key', keyFile, '--read-only', '--home', home]);
    expect(bob.code, bob.stderr).toBe(0);
    const list = await runCli(['account', 'list', '--json', '--home', home]);
    const accounts = JSON.parse(list.out) as Array<{ name: string; readOnly: boolean; keys: unknown[] }>;
    expect(accounts.map((a) => [a.name, a.readOnly, a.keys.length])).toEqual([
      ['alice', false, 0],
      ['bob', true, 1],
    ]);
    expect(list.out).not.toMatch(/gs1-|hunter2/);
    expect((await runCli(['account', 'remove', 'bob', '--home', home])).code).toBe(0);
    const after = JSON.parse((await runCli(['account', 'list', '--json', '--home', home])).out) as Array<{
      name: string;
    }>;
    expect(after.map((a) => a.name)).toEqual(['alice']);
  });

  it('says clearly what is wrong, in one line, with a non-zero exit', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['account', 'add', 'nobody', '--home', home], /password or at least one public key/],
      [
        ['account', 'add', 'alice2', '--root', 'gs1-lit-', '--key', '/nonexistent.pub', '--home', home],
        /nonexistent|directory cap/,
      ],
      [['account', 'remove', 'ghost', '--home', home], /no account named "ghost"/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.errLines).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    const duplicate = await withInput(['account', 'add', 'alice', '--password-stdin', '--home', home], 'x\n');
    expect(duplicate.code).toBe(1);
    expect(duplicate.err).toMatch(/already exists/);
  });

  it('imports a Tahoe-LAFS accounts file, giving Tahoe root caps a fresh root', async () => {
    const file = join(dir, 'accounts');
    const key = ed25519Line().split(' ').slice(0, 2).join(' ');
    await writeFile(
      file,
      `# Tahoe accounts\ncarol ${key} URI:DIR2:aaaa:bbbb\ndave sekrit URI:DIR2:cccc:dddd\n`,
    );
    const result = await runCli(['account', 'import-tahoe', file, '--home', home]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.out).toMatch(/Imported 2 account\(s\): carol, dave/);
    expect(result.stderr).toMatch(/Tahoe-LAFS root cap; a new empty root folder was made/);
    const names = (
      JSON.parse((await runCli(['account', 'list', '--json', '--home', home])).out) as Array<{ name: string }>
    ).map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['carol', 'dave']));
  });
});
