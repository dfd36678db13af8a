import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDesktopService } from '../../src/electron/desktop-service.js';
import { keyFileSecretBox, sealedMasterKeyPath } from '../../src/home/secret-box.js';

const keyring = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: (plain: string) => Buffer.from(`sealed:${plain}`),
  decryptString: (sealed: Buffer) => sealed.toString().replace(/^sealed:/, ''),
};

describe('the desktop app’s service on a first start', () => {
  let temp: string;
  beforeEach(async () => {
    temp = await mkdtemp(join(tmpdir(), 'grid-desktop-'));
  });
  afterEach(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  it('makes the home, seals its key with the keyring and serves the contract', async () => {
    const homeDir = join(temp, 'home');
    const warnings: string[] = [];
    const desktop = await openDesktopService({
      homeDir,
      listen: { host: '127.0.0.1', port: 0 },
      safeStorage: keyring,
      warn: (m) => void warnings.push(m),
    });
    try {
      expect(desktop.createdHome).toBe(true);
      expect(desktop.secrets.sealedBy).toBe('safeStorage');
      expect((await stat(sealedMasterKeyPath(homeDir))).isFile()).toBe(true);
      const snapshot = await desktop.service.call('getSnapshot', {});
      expect(snapshot.ok).toBe(true);
      expect(desktop.service.pendingCommits()).toBe(0);
    } finally {
      await desktop.service.close();
    }
    expect(warnings).toEqual([]);
    await expect(keyFileSecretBox(homeDir)).rejects.toThrow(/start it with the desktop app/);

    const again = await openDesktopService({
      homeDir,
      listen: { host: '127.0.0.1', port: 0 },
      safeStorage: keyring,
      warn: (m) => void warnings.push(m),
    });
    expect(again.createdHome).toBe(false);
    await again.service.close();
  });
});
