import { homedir } from 'node:os';
import { isAbsolute, join, win32 } from 'node:path';

/** Environment variable that names the home folder, ahead of every platform default. */
export const HOME_ENV = 'GRID_SFTP_HOME';

/**
 * The folder the CLI uses when no `--home` is given: $GRID_SFTP_HOME, else the platform's folder for
 * application data (XDG on Linux and the BSDs, Application Support on macOS, %APPDATA% on Windows).
 */
export function defaultHomeDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  userHome: string = homedir(),
): string {
  const explicit = env[HOME_ENV];
  if (explicit !== undefined && explicit !== '') return explicit;
  if (platform === 'darwin') return join(userHome, 'Library', 'Application Support', 'Grid SFTP');
  if (platform === 'win32') {
    const appData = env['APPDATA'];
    return win32.join(
      appData !== undefined && appData !== '' ? appData : win32.join(userHome, 'AppData', 'Roaming'),
      'Grid SFTP',
    );
  }
  // The XDG spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env['XDG_DATA_HOME'];
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'grid-sftp');
  return join(userHome, '.local', 'share', 'grid-sftp');
}
