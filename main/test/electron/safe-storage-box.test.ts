import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyFileSecretBox, masterKeyPath, sealedMasterKeyPath } from '../../src/home/secret-box.js';
import {
  desktopSecretBox,
  keyringWeakness,
  type SafeStorageLike,
} from '../../src/electron/safe-storage-box.js';

/** Stands in for Electron's safeStorage: "seals" by XOR with a per-keyring byte. */
function fakeSafeStorage(options: { available?: boolean; backend?: string; keyring?: number } = {}) {
  const keyring = options.keyring ?? 0x5a;
  const calls = { encrypt: 0, decrypt: 0 };
  const storage: SafeStorageLike = {
    isEncryptionAvailable: () => options.available ?? true,
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    encryptString(plain) {
      calls.encrypt++;
      return Buffer.concat([Buffer.from([keyring]), Buffer.from(plain, 'utf8').map((b) => b ^ keyring)]);
    },
    decryptString(sealed) {
      calls.decrypt++;
      if (sealed[0] !== keyring) throw new Error('Error while decrypting the ciphertext provided');
      return Buffer.from(sealed.subarray(1).map((b) => b ^ keyring)).toString('utf8');
    },
  };
  return { storage, calls };
}

const text = new TextEncoder();
const words = new TextDecoder();

describe('the desktop secret box (safeStorage)', () => {
  let home: string;
  let warnings: string[];
  const warn = (message: string): void => void warnings.push(message);

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'grid-safe-'));
    warnings = [];
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('makes a master key sealed by the keyring, owner-only, with no plain copy', async () => {
    const { storage } = fakeSafeStorage();
    const first = await desktopSecretBox(home, storage, warn, 'linux');
    expect(first.sealedBy).toBe('safeStorage');
    expect(first.warning).toBeUndefined();
    expect(warnings).toEqual([]);
    expect((await stat(sealedMasterKeyPath(home))).mode & 0o777).toBe(0o600);
    await expect(stat(masterKeyPath(home))).rejects.toThrow(/ENOENT/);

    const sealed = first.box.seal(text.encode('root cap'));
    const again = await desktopSecretBox(home, storage, warn, 'linux');
    expect(words.decode(again.box.open(sealed))).toBe('root cap');
  });

  it('migrates a plain master.key: same key, sealed copy read back, plain file removed', async () => {
    const headless = await keyFileSecretBox(home);
    const sealedBefore = headless.seal(text.encode('secret from headless days'));
    const { storage, calls } = fakeSafeStorage();

    const desktop = await desktopSecretBox(home, storage, warn, 'linux');
    expect(desktop.migrated).toBe(true);
    expect(calls.decrypt).toBeGreaterThanOrEqual(1);
    await expect(stat(masterKeyPath(home))).rejects.toThrow(/ENOENT/);
    expect(words.decode(desktop.box.open(sealedBefore))).toBe('secret from headless days');
  });

  it('keeps the plain key when the sealed copy does not read back', async () => {
    await keyFileSecretBox(home);
    const plain = await readFile(masterKeyPath(home));
    const { storage } = fakeSafeStorage();
    const lying: SafeStorageLike = {
      ...storage,
      decryptString: () => 'gsmk1:' + Buffer.alloc(32).toString('base64'),
    };
    await expect(desktopSecretBox(home, lying, warn, 'linux')).rejects.toThrow(/does not read back/);
    expect(await readFile(masterKeyPath(home))).toEqual(plain);
  });

  it('finishes a migration that stopped after writing the sealed copy', async () => {
    const headless = await keyFileSecretBox(home);
    const { storage } = fakeSafeStorage();
    const plain = await readFile(masterKeyPath(home));
    await desktopSecretBox(home, storage, warn, 'linux');
    await writeFile(masterKeyPath(home), plain, { mode: 0o600 });

    const resumed = await desktopSecretBox(home, storage, warn, 'linux');
    expect(resumed.migrated).toBe(true);
    await expect(stat(masterKeyPath(home))).rejects.toThrow(/ENOENT/);
    expect(words.decode(resumed.box.open(headless.seal(text.encode('x'))))).toBe('x');
  });

  it('refuses, deleting nothing, when the plain and the sealed key differ', async () => {
    const { storage } = fakeSafeStorage();
    await desktopSecretBox(home, storage, warn, 'linux');
    await writeFile(masterKeyPath(home), Buffer.alloc(32, 7), { mode: 0o600 });
    await expect(desktopSecretBox(home, storage, warn, 'linux')).rejects.toThrow(/hold different keys/);
    expect(await readFile(masterKeyPath(home))).toEqual(Buffer.alloc(32, 7));
  });

  it('says so when the key was sealed by another keyring', async () => {
    await desktopSecretBox(home, fakeSafeStorage({ keyring: 1 }).storage, warn, 'linux');
    await expect(
      desktopSecretBox(home, fakeSafeStorage({ keyring: 2 }).storage, warn, 'linux'),
    ).rejects.toThrow(/does not open with this user's keyring/);
  });

  it('warns and falls back to the key file with the basic_text backend (plain text)', async () => {
    const { storage, calls } = fakeSafeStorage({ backend: 'basic_text' });
    const result = await desktopSecretBox(home, storage, warn, 'linux');
    expect(result.sealedBy).toBe('key-file');
    expect(result.warning).toMatch(/basic_text/);
    expect(warnings).toEqual([result.warning]);
    expect(calls.encrypt).toBe(0);
    expect((await stat(masterKeyPath(home))).mode & 0o777).toBe(0o600);
    await expect(stat(sealedMasterKeyPath(home))).rejects.toThrow(/ENOENT/);
  });

  it('warns and falls back when safeStorage has no encryption at all', async () => {
    const result = await desktopSecretBox(
      home,
      fakeSafeStorage({ available: false }).storage,
      warn,
      'darwin',
    );
    expect(result.sealedBy).toBe('key-file');
    expect(warnings[0]).toMatch(/not protected by the system keyring/);
  });

  it('does not fall back to a new plain key when the sealed one exists but the keyring is gone', async () => {
    await desktopSecretBox(home, fakeSafeStorage().storage, warn, 'linux');
    await expect(
      desktopSecretBox(home, fakeSafeStorage({ backend: 'basic_text' }).storage, warn, 'linux'),
    ).rejects.toThrow(/sealed by the system keyring, which is not usable now/);
    await expect(stat(masterKeyPath(home))).rejects.toThrow(/ENOENT/);
  });

  it('the headless CLI refuses a home sealed by the desktop app instead of making a second key', async () => {
    await desktopSecretBox(home, fakeSafeStorage().storage, warn, 'linux');
    await expect(keyFileSecretBox(home)).rejects.toThrow(
      /sealed by the desktop app.*start it with the desktop app/,
    );
    await expect(stat(masterKeyPath(home))).rejects.toThrow(/ENOENT/);
  });

  it('only Linux has keyring backends to distrust', () => {
    const { storage } = fakeSafeStorage({ backend: 'basic_text' });
    expect(keyringWeakness(storage, 'win32')).toBeUndefined();
    expect(keyringWeakness(storage, 'linux')).toMatch(/basic_text/);
    expect(keyringWeakness(fakeSafeStorage({ backend: 'kwallet6' }).storage, 'linux')).toBeUndefined();
  });

  it('a damaged plain key is reported, not migrated', async () => {
    await mkdir(join(home, 'secrets'), { recursive: true });
    await writeFile(masterKeyPath(home), Buffer.alloc(5));
    await expect(desktopSecretBox(home, fakeSafeStorage().storage, warn, 'linux')).rejects.toThrow(/damaged/);
  });
});
