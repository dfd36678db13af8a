import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSshOptions, hasCommand, startGateway, type RunningGateway } from './helpers/gateway-server.js';

/**
 * The gateway against OpenSSH's own clients on loopback (issue 4): `grid-sftp serve` on a 3-of-5
 * grid of local nodes, an account made with the CLI, then sftp in batch mode, scp and ssh exec.
 */
const haveOpenSsh = hasCommand('sftp') && hasCommand('ssh');
let gateway: RunningGateway;
let dir: string;
let port = 0;
let mallory = '';
const sshOptions = (key: string): string[] => ['-i', key, ...clientSshOptions(key)];

function runTool(
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe.skipIf(!haveOpenSsh)('grid-sftp serve with OpenSSH clients', () => {
  beforeAll(async () => {
    gateway = await startGateway('grid-gateway-');
    ({ dir, port } = gateway);
    mallory = join(dir, 'mallory');
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', mallory]).status).toBe(0);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('prints a UI line whose page (the built UI) needs its token and its own Host header', async () => {
    const url = /UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(gateway.log())?.[1];
    expect(url).toBeDefined();
    const page = await fetch(url as string);
    expect(page.status).toBe(200);
    // The built React UI (renderer/ui-dist): its page loads its script.
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<script[^>]+src=/);
    const withoutToken = new URL(url as string);
    withoutToken.searchParams.set('token', 'wrong');
    expect((await fetch(withoutToken)).status).toBe(403);
    // A page reached under another host name (DNS rebinding) is refused even with the token.
    const rebound = await new Promise<number>((resolve, reject) => {
      const target = new URL(url as string);
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port: Number(target.port),
          path: `${target.pathname}${target.search}`,
          headers: { host: 'evil.example:80' },
        },
        (response) => resolve(response.statusCode ?? 0),
      );
      request.on('error', reject);
      request.end();
    });
    expect(rebound).toBe(403);
  });

  it('prints its address and host-key fingerprints', () => {
    expect(gateway.log()).toMatch(/Host key \(ed25519\): SHA256:[A-Za-z0-9+/]{43}/);
    expect(gateway.log()).toMatch(/Host key \(ecdsa\): SHA256:/);
  });

  it('takes sftp batch mode: mkdir, put, ls -l, get, rename, df', async () => {
    // Past three 1 MiB segments: sftp writes it in order, so it is streamed into the grid while
    // it arrives (SequentialUploadFeed) and CLOSE only finishes it.
    const body = randomBytes(3 * 1024 * 1024 + 12_345);
    await writeFile(join(dir, 'up.bin'), body);
    await writeFile(
      join(dir, 'batch'),
      [
        'mkdir docs',
        'put up.bin docs/up.bin',
        'ls -l docs',
        'get docs/up.bin down.bin',
        'rename docs/up.bin docs/moved.bin',
        'ls docs',
        'df',
      ].join('\n') + '\n',
    );
    const result = await runTool(
      'sftp',
      [...sshOptions(gateway.aliceKey), '-P', String(port), '-b', 'batch', 'alice@127.0.0.1'],
      dir,
    );
    expect(result.code, result.err + gateway.log()).toBe(0);
    expect(result.out).toMatch(/-rw-rw-rw-.*3158073.*docs\/up\.bin/);
    expect(result.out).toMatch(/docs\/moved\.bin/);
    expect(sha(await readFile(join(dir, 'down.bin')))).toBe(sha(body));
  });

  it('is offered every extension, and copies with cp (copy-data) and links with ln (hardlink)', async () => {
    await writeFile(join(dir, 'orig.bin'), randomBytes(50_000));
    await writeFile(
      join(dir, 'batch2'),
      [
        'put orig.bin orig.bin',
        'cp orig.bin copy.bin',
        'ln orig.bin link.bin',
        'get copy.bin copy-back.bin',
        'get link.bin link-back.bin',
      ].join('\n') + '\n',
    );
    const result = await runTool(
      'sftp',
      ['-vv', ...sshOptions(gateway.aliceKey), '-P', String(port), '-b', 'batch2', 'alice@127.0.0.1'],
      dir,
    );
    expect(result.code, result.err).toBe(0);
    const offered = [...result.err.matchAll(/Server supports extension "([^"]+)" revision (\d+)/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    // OpenSSH 9.2's client reports the extensions it knows; home-directory is newer than it
    // (the protocol tests check that one is advertised and answered).
    for (const known of [
      'posix-rename@openssh.com 1',
      'statvfs@openssh.com 2',
      'fstatvfs@openssh.com 2',
      'fsync@openssh.com 1',
      'hardlink@openssh.com 1',
      'limits@openssh.com 1',
      'expand-path@openssh.com 1',
      'copy-data 1',
      'users-groups-by-id@openssh.com 1',
      'lsetstat@openssh.com 1',
    ]) {
      expect(offered).toContain(known);
    }
    expect(result.err).toMatch(/copy-data/);
    const original = sha(await readFile(join(dir, 'orig.bin')));
    expect(sha(await readFile(join(dir, 'copy-back.bin')))).toBe(original);
    expect(sha(await readFile(join(dir, 'link-back.bin')))).toBe(original);
  });

  it('takes scp both ways (over SFTP)', async () => {
    const body = randomBytes(100_000);
    await writeFile(join(dir, 'scp.bin'), body);
    const up = await runTool(
      'scp',
      [...sshOptions(gateway.aliceKey), '-P', String(port), 'scp.bin', 'alice@127.0.0.1:scp-copy.bin'],
      dir,
    );
    expect(up.code, up.err).toBe(0);
    const down = await runTool(
      'scp',
      [...sshOptions(gateway.aliceKey), '-P', String(port), 'alice@127.0.0.1:scp-copy.bin', 'scp-back.bin'],
      dir,
    );
    expect(down.code, down.err).toBe(0);
    expect(sha(await readFile(join(dir, 'scp-back.bin')))).toBe(sha(body));
  });

  it('answers df -P -k / and refuses any other command', async () => {
    const df = await runTool(
      'ssh',
      [...sshOptions(gateway.aliceKey), '-p', String(port), 'alice@127.0.0.1', 'df -P -k /'],
      dir,
    );
    expect(df.code, df.err).toBe(0);
    expect(df.out).toMatch(
      /^Filesystem\s+1024-blocks\s+Used\s+Available\s+Capacity\s+Mounted on\ngrid-sftp\s+\d+\s+\d+\s+\d+\s+\d+%\s+\/\n$/,
    );
    const refused = await runTool(
      'ssh',
      [...sshOptions(gateway.aliceKey), '-p', String(port), 'alice@127.0.0.1', 'cat /etc/passwd'],
      dir,
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/speaks only SFTP/);
  });

  it('refuses an unknown key', async () => {
    const result = await runTool(
      'ssh',
      [...sshOptions(mallory), '-p', String(port), 'alice@127.0.0.1', 'df'],
      dir,
    );
    expect(result.code).toBe(255);
    expect(result.err).toMatch(/Permission denied/);
  });
});
