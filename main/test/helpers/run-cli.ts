import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI, run exactly as a user runs it (tests need `npm run build` first). */
export const CLI = fileURLToPath(new URL('../../bin/grid-sftp.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  /** The signal that ended the process, if one did. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** stdout as text, and its last line (where caps are printed). */
  readonly out: string;
  readonly lastLine: string;
  /** stderr split into lines, without the empty one after the final newline. */
  readonly errLines: string[];
}

export function assertBuilt(): void {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` before these tests`);
}

export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    GRID_SFTP_DEBUG: undefined,
    GRID_SFTP_HOME: undefined,
    ...options.env,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out);
      const stderr = Buffer.concat(err).toString('utf8');
      const text = stdout.toString('utf8');
      resolve({
        code,
        signal,
        stdout,
        stderr,
        out: text,
        lastLine: text.trimEnd().split('\n').at(-1) ?? '',
        errLines: stderr.split('\n').filter((line) => line !== ''),
      });
    });
  });
}
