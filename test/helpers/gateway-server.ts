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

/** A `grid-sftp serve` process on a home, once it listens. */
export interface ServeProcess {
  readonly port: number;
  readonly child: ChildProcessWithoutNullStreams;
  log(): string;
  /** SIGTERM (a clean stop) unless another signal is given; resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `grid-sftp serve` on an existing home and waits until it prints its SFTP and UI lines. */
export async function spawnServe(home: string): Promise<ServeProcess> {
  let log = '';
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [
    CLI,
    'serve',
    '--listen',
    '127.0.0.1:0',
    '--home',
    home,
  ]);
  child.stderr.on('data', (c: Buffer) => (log += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${log}`)), 30_000);
    child.once('exit', (code, signal) => reject(new Error(`serve exited (${signal ?? code}): ${log}`)));
    child.stdout.on('data', (c: Buffer) => {
      log += c.toString();
      const match = /SFTP: 127\.0\.0\.1:(\d+)/.exec(log);
      if (match !== null && /UI: http/.test(log)) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return {
    port,
    child,
    log: () => log,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}

/** A home in `dir` with a 3-of-5 grid (happy 4) and the key-authenticated account `alice`. */
export async function prepareHome(dir: string): Promise<{ home: string; aliceKey: string }> {
  assertBuilt();
  const home = join(dir, 'home');
  expect(
    (await runCli(['init', '--nodes', '5', '--k', '3', '--happy', '4', '--n', '5', '--home', home])).code,
  ).toBe(0);
  const aliceKey = join(dir, 'alice');
  expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', aliceKey]).status).toBe(0);
  const added = await runCli(['account', 'add', 'alice', '--key', `${aliceKey}.pub`, '--home', home]);
  expect(added.code, added.stderr).toBe(0);
  return { home, aliceKey };
}

export async function startGateway(prefix: string): Promise<RunningGateway> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const { home, aliceKey } = await prepareHome(dir);
  const server = await spawnServe(home);
  return {
    dir,
    home,
    port: server.port,
    aliceKey,
    log: () => server.log(),
    stop: async () => {
      await server.stop();
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
