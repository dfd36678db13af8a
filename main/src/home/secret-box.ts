import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { HomeError } from './errors.js';
import { secretsDir } from './secrets.js';

/**
 * Where secrets at rest (root caps, convergence secrets, later host keys) are sealed (DESIGN §2).
 * The desktop app will seal with Electron's safeStorage; headless, the key is a 0600 file in the
 * home's secrets folder, so a copied accounts file alone gives nothing away.
 */
export interface SecretBox {
  seal(plain: Uint8Array): string;
  open(sealed: string): Uint8Array;
}

const VERSION = 'gsbox1';

export function aesGcmBox(key: Uint8Array): SecretBox {
  if (key.length !== 32) throw new RangeError('a secret box key is 32 bytes');
  return {
    seal(plain) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return `${VERSION}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')}`;
    },
    open(sealed) {
      const [version, text] = sealed.split(':');
      if (version !== VERSION || text === undefined)
        throw new HomeError('a sealed secret is in an unknown format');
      const bytes = Buffer.from(text, 'base64');
      if (bytes.length < 28) throw new HomeError('a sealed secret is damaged');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        return new Uint8Array(
          Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]),
        );
      } catch {
        throw new HomeError(
          'a sealed secret does not open with this home’s key (damaged, or from another home)',
        );
      }
    },
  };
}

export function masterKeyPath(home: string): string {
  return join(secretsDir(home), 'master.key');
}

/** The master key sealed by the desktop app with the OS keyring (Electron's safeStorage). */
export function sealedMasterKeyPath(home: string): string {
  return join(secretsDir(home), 'master.key.safe');
}

/** The headless secret box of a home, creating its key on first use. */
export async function keyFileSecretBox(home: string): Promise<SecretBox> {
  const file = masterKeyPath(home);
  let key: Buffer;
  try {
    key = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // A fresh key here would seal new secrets under a second key and leave the old ones unreadable.
    if (await exists(sealedMasterKeyPath(home))) {
      throw new HomeError(
        `this home's secrets are sealed by the desktop app (${sealedMasterKeyPath(home)}); start it with the desktop app`,
      );
    }
    await mkdir(secretsDir(home), { recursive: true, mode: 0o700 });
    await chmod(secretsDir(home), 0o700);
    key = randomBytes(32);
    await writeFileAtomic(file, key, 0o600);
  }
  if (key.length !== 32) throw new HomeError(`the secret key ${file} is damaged`);
  return aesGcmBox(key);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
