import { dialog } from 'electron';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Tells the user, once per profile, that secrets sit in a plain key file because no keyring is
 * usable. Every start still logs it; the dialog comes back if the marker file is removed.
 */
export async function showKeyringNoticeOnce(userDataDir: string, warning: string): Promise<void> {
  const marker = join(userDataDir, 'keyring-notice-shown');
  if (existsSync(marker)) return;
  await dialog.showMessageBox({
    type: 'warning',
    title: 'Grid SFTP',
    message: 'Secrets are not protected by a system keyring',
    detail:
      `${warning}.\n\nInstall and unlock a keyring (GNOME Keyring, KWallet) and start Grid SFTP ` +
      'again to have it seal the master key. This notice is shown once.',
    buttons: ['OK'],
  });
  await writeFile(marker, `${new Date().toISOString()}\n`);
}
