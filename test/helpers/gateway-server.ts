import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { assertBuilt, CLI, runCli } from '../../main/test/helpers/run-cli.js';

/** A `grid-sftp serve` on loopback with one key-authenticated account, for real-client tests. */
export interface RunningGateway {
  readonly dir: string;
  readonly home: string;
  readonly port: number;
  /** Private key file of the account `alice`. */
  readonly aliceKey: string;
  log(): string;
  stop(): Promise<void>;
}

export function hasCommand(command: string, versionArg = '-V'): boolean {
  return spawnSync(command, [versionArg]).error === undefined;
}

export async function startGateway(prefix: string): Promise<RunningGateway> {
  assertBuilt();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const home = join(dir, 'home');
  expect(
    (await runCli(['init', '--nodes', '5', '--k', '3', '--happy', '4', '--n', '5', '--home', home])).code,
  ).toBe(0);
  const aliceKey = join(dir, 'alice');
  expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', aliceKey]).status).toBe(0);
  const added = await runCli(['account', 'add', 'alice', '--key', `${aliceKey}.pub`, '--home', home]);
  expect(added.code, added.stderr).toBe(0);
  let log = '';
  const server: ChildProcessWithoutNullStreams = spawn(process.execPath, [
    CLI,
    'serve',
    '--listen',
    '127.0.0.1:0',
    '--home',
    home,
  ]);
  server.stderr.on('data', (c: Buffer) => (log += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${log}`)), 30_000);
    server.stdout.on('data', (c: Buffer) => {
      log += c.toString();
      const match = /SFTP: 127\.0\.0\.1:(\d+)/.exec(log);
      if (match !== null && /UI: http/.test(log)) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return {
    dir,
    home,
    port,
    aliceKey,
    log: () => log,
    stop: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const clientSshOptions = (key: string): string[] => [
  '-o',
  `IdentityFile=${key}`,
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'BatchMode=yes',
  '-o',
  'LogLevel=ERROR',
];
