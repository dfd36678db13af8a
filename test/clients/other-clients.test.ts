import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../main/test/helpers/run-cli.js';
import { hasCommand, startGateway, type RunningGateway } from '../helpers/gateway-server.js';

/** paramiko, rclone and lftp against `grid-sftp serve` (issue 4). */
const PYTHON = '/usr/bin/python3';
const haveParamiko = spawnSync(PYTHON, ['-c', 'import paramiko']).status === 0;
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function run(
  command: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin.end(options.input ?? '');
  });
}

let gateway: RunningGateway;
let badKey: string;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  gateway = await startGateway('grid-clients-');
  badKey = join(gateway.dir, 'stranger');
  expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', badKey]).status).toBe(0);
  const added = await run(
    process.execPath,
    [
      CLI,
      'account',
      'add',
      'bob',
      '--password-stdin',
      '--key',
      `${gateway.aliceKey}.pub`,
      '--home',
      gateway.home,
    ],
    {
      input: `${PASSWORD}\n`,
    },
  );
  expect(added.code, added.err).toBe(0);
});

afterAll(async () => {
  await gateway?.stop();
});

async function localTree(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (let i = 0; i < 8; i++) files.set(`d${i % 2}/f${i}.bin`, randomBytes(i * 20_011 + 3));
  for (const [name, body] of files) {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), body);
  }
  return files;
}

describe.skipIf(!haveParamiko)('paramiko', () => {
  it('logs in with password and key, refuses a wrong password and an unknown key, pipelines writes, creates exclusively', async () => {
    const script = fileURLToPath(new URL('./paramiko_client.py', import.meta.url));
    const result = await run(PYTHON, [
      script,
      '127.0.0.1',
      String(gateway.port),
      'bob',
      PASSWORD,
      gateway.aliceKey,
      badKey,
    ]);
    expect(result.code, result.err + gateway.log()).toBe(0);
    const report = JSON.parse(result.out) as Record<string, unknown>;
    expect(report['wrong_password']).toBe('refused');
    expect(report['unknown_key']).toBe('refused');
    for (const method of ['password', 'key']) {
      expect(report[method]).toEqual({ same: true, listing: ['data.bin'], size: 600_000 });
    }
    expect(report['excl']).toEqual({
      size_while_open: 100,
      second_create: 'refused',
      listed: true,
      content: 'x'.repeat(100),
    });
  });
});

describe.skipIf(!hasCommand('rclone', 'version'))('rclone', () => {
  it('copies a tree up and checks it by downloading', async () => {
    const local = join(gateway.dir, 'rclone-src');
    await localTree(local);
    const env = {
      RCLONE_CONFIG_GRID_TYPE: 'sftp',
      RCLONE_CONFIG_GRID_HOST: '127.0.0.1',
      RCLONE_CONFIG_GRID_PORT: String(gateway.port),
      RCLONE_CONFIG_GRID_USER: 'alice',
      RCLONE_CONFIG_GRID_KEY_FILE: gateway.aliceKey,
      // rclone would run md5sum over SSH for hashes; this server runs no commands.
      RCLONE_CONFIG_GRID_DISABLE_HASHCHECK: 'true',
      RCLONE_CONFIG: join(gateway.dir, 'rclone.conf'),
    };
    const copy = await run('rclone', ['copy', local, 'grid:rclone'], { env });
    expect(copy.code, copy.err).toBe(0);
    const check = await run('rclone', ['check', '--download', local, 'grid:rclone'], { env });
    expect(check.code, check.err).toBe(0);
    expect(check.err).toMatch(/0 differences found/);
  });
});

describe.skipIf(!hasCommand('lftp', '--version'))('lftp', () => {
  it('mirrors a tree up and back down', async () => {
    const local = join(gateway.dir, 'lftp-src');
    const files = await localTree(local);
    const back = join(gateway.dir, 'lftp-back');
    const ssh = `ssh -a -x -i ${gateway.aliceKey} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR`;
    const script = [
      `set sftp:connect-program "${ssh}"`,
      'set net:max-retries 1',
      `open -u alice, sftp://127.0.0.1:${gateway.port}`,
      `mirror -R ${local} /lftp`,
      `mirror /lftp ${back}`,
    ].join('; ');
    const result = await run('lftp', ['-c', script]);
    expect(result.code, result.err).toBe(0);
    for (const [name, body] of files) expect(sha(await readFile(join(back, name))), name).toBe(sha(body));
  });
});
