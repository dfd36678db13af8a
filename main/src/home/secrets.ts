import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { HomeError } from './errors.js';

export const CONVERGENCE_SECRET_LENGTH = 32;

export function secretsDir(home: string): string {
  return join(home, 'secrets');
}

export function convergenceKeyPath(home: string): string {
  return join(secretsDir(home), 'convergence.key');
}

/**
 * Makes the CLI's convergence secret: files stored with it deduplicate against each other and
 * against nobody else. Owner-only permissions, because whoever holds it can test whether the grid
 * holds a file they can guess.
 */
export async function createConvergenceSecret(home: string): Promise<void> {
  await mkdir(secretsDir(home), { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for an existing folder; make sure.
  await chmod(secretsDir(home), 0o700);
  await writeFileAtomic(convergenceKeyPath(home), randomBytes(CONVERGENCE_SECRET_LENGTH), 0o600);
}

/** Reads the secret; `warn` hears about loose permissions (never about the secret itself). */
export async function readConvergenceSecret(
  home: string,
  warn: (message: string) => void,
): Promise<Uint8Array> {
  const file = convergenceKeyPath(home);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HomeError(`the convergence secret ${file} is missing`);
    if (code === 'EACCES')
      throw new HomeError(`cannot read the convergence secret ${file}: permission denied`);
    throw error;
  }
  if (bytes.length !== CONVERGENCE_SECRET_LENGTH) {
    throw new HomeError(
      `the convergence secret ${file} is damaged (${bytes.length} bytes, expected ${CONVERGENCE_SECRET_LENGTH})`,
    );
  }
  if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0) {
    warn(`${file} is readable by other users; run: chmod 600 '${file}'`);
  }
  return new Uint8Array(bytes);
}
