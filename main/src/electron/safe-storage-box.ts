import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../home/atomic-file.js';
import { HomeError } from '../home/errors.js';
import {
  aesGcmBox,
  keyFileSecretBox,
  masterKeyPath,
  sealedMasterKeyPath,
  type SecretBox,
} from '../home/secret-box.js';
import { secretsDir } from '../home/secrets.js';

/** What we use of Electron's `safeStorage` (a fake stands in for it in tests). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: which keyring seals; `basic_text` means a fixed, public password. */
  getSelectedStorageBackend?(): string;
}

export interface DesktopSecrets {
  readonly box: SecretBox;
  /** `key-file`: the OS keyring is not usable, so the master key sits in a 0600 file. */
  readonly sealedBy: 'safeStorage' | 'key-file';
  /** Why the keyring was not used, in words for the user; set only with `key-file`. */
  readonly warning?: string;
  /** A plain master.key was sealed into master.key.safe and removed in this call. */
  readonly migrated: boolean;
}

const KEY_FORMAT = 'gsmk1';

/**
 * The desktop app's secret box: the same AES-GCM master key as headless, but stored sealed by
 * the OS keyring (safeStorage), so a copy of the home folder alone opens nothing. When the
 * keyring is missing, or Electron would only pretend (`basic_text`), it says so through `warn`
 * and uses the headless key file instead.
 */
export async function desktopSecretBox(
  home: string,
  safeStorage: SafeStorageLike,
  warn: (message: string) => void,
  platform: NodeJS.Platform = process.platform,
): Promise<DesktopSecrets> {
  const plainFile = masterKeyPath(home);
  const sealedFile = sealedMasterKeyPath(home);
  const sealed = await readIfPresent(sealedFile);
  const weakness = keyringWeakness(safeStorage, platform);
  if (weakness !== undefined) {
    if (sealed !== undefined) {
      throw new HomeError(
        `this home's master key is sealed by the system keyring, which is not usable now (${weakness}); ` +
          'unlock or start the keyring and open the app again',
      );
    }
    const warning =
      `secrets are not protected by the system keyring (${weakness}); ` +
      `the master key is kept in ${plainFile}, readable by whoever can read that file`;
    warn(warning);
    return { box: await keyFileSecretBox(home), sealedBy: 'key-file', warning, migrated: false };
  }

  const plain = await readIfPresent(plainFile);
  if (plain !== undefined && plain.length !== 32)
    throw new HomeError(`the secret key ${plainFile} is damaged`);
  if (sealed !== undefined) {
    const key = openSealedKey(safeStorage, sealed, sealedFile);
    if (plain === undefined) return { box: aesGcmBox(key), sealedBy: 'safeStorage', migrated: false };
    // A migration stopped after writing the sealed copy: finish it, but only if both agree.
    if (!timingSafeEqual(plain, key)) {
      throw new HomeError(
        `${plainFile} and ${sealedFile} hold different keys; keep the one this home's secrets were sealed with`,
      );
    }
    await rm(plainFile);
    return { box: aesGcmBox(key), sealedBy: 'safeStorage', migrated: true };
  }

  const key = plain ?? randomBytes(32);
  await mkdir(secretsDir(home), { recursive: true, mode: 0o700 });
  await chmod(secretsDir(home), 0o700);
  await writeFileAtomic(
    sealedFile,
    safeStorage.encryptString(`${KEY_FORMAT}:${key.toString('base64')}`),
    0o600,
  );
  // The plain file is the only other copy of the key: it goes only once the sealed one opens.
  const readBack = openSealedKey(safeStorage, await readFile(sealedFile), sealedFile);
  if (!timingSafeEqual(readBack, key)) throw new HomeError(`${sealedFile} does not read back as written`);
  if (plain !== undefined) await rm(plainFile);
  return { box: aesGcmBox(key), sealedBy: 'safeStorage', migrated: plain !== undefined };
}

/** Why safeStorage would not really protect a secret here, or undefined when it would. */
export function keyringWeakness(safeStorage: SafeStorageLike, platform: NodeJS.Platform): string | undefined {
  if (!safeStorage.isEncryptionAvailable()) return 'safeStorage reports no encryption available';
  if (platform !== 'linux') return undefined;
  const backend = safeStorage.getSelectedStorageBackend?.();
  if (backend === 'basic_text')
    return 'no keyring found: safeStorage would use its basic_text backend, plain text';
  if (backend === 'unknown') return 'safeStorage has not chosen a keyring backend';
  return undefined;
}

function openSealedKey(safeStorage: SafeStorageLike, sealed: Buffer, file: string): Buffer {
  let text: string;
  try {
    text = safeStorage.decryptString(sealed);
  } catch (error) {
    throw new HomeError(
      `${file} does not open with this user's keyring (another user or machine, or a reset keyring)`,
      { cause: error },
    );
  }
  const [format, encoded] = text.split(':');
  const key = encoded === undefined ? undefined : Buffer.from(encoded, 'base64');
  if (format !== KEY_FORMAT || key?.length !== 32) throw new HomeError(`the sealed key ${file} is damaged`);
  return key;
}

async function readIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
