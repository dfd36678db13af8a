// The desktop app's main process: one window on the app service, a tray, and nothing else
// reachable from the page but the contract's methods (DESIGN §5).
import { app, dialog, safeStorage } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppSnapshot } from '@grid-sftp/core/api';
import type { AppService } from '../app/app-service.js';
import { defaultHomeDir } from '../home/paths.js';
import { createAppWindow, preloadPath, type AppWindow } from './app-window.js';
import { openDesktopService } from './desktop-service.js';
import { connectIpc } from './ipc-bridge.js';
import { showKeyringNoticeOnce } from './keyring-notice.js';
import { LISTEN_ENV, listenAddressFrom } from './listen-address.js';
import { createQuitGuard } from './quit-guard.js';
import { appIcon, createTray } from './tray-menu.js';
import { findUiIndex, uiDirCandidates } from './ui-location.js';

/** Keeps a test's (or a second profile's) Chromium data and single-instance lock apart. */
const USER_DATA_ENV = 'GRID_SFTP_ELECTRON_DATA';

const electronDir = dirname(fileURLToPath(import.meta.url));
const log = (message: string): void => console.log(`grid-sftp: ${message}`);
const warn = (message: string): void => console.warn(`grid-sftp: warning: ${message}`);

/** Set once quitting may go ahead: the window may then really close. */
let quitting = false;

// The same profile folder whether run from a checkout (package name @grid-sftp/main) or packaged;
// it holds Chromium's data and the single-instance lock, never the grid home.
const userData = process.env[USER_DATA_ENV];
app.setName('Grid SFTP');
app.setPath(
  'userData',
  userData !== undefined && userData !== '' ? userData : join(app.getPath('appData'), 'Grid SFTP'),
);

if (!app.requestSingleInstanceLock()) {
  // Another instance owns this profile; it shows its window on `second-instance`.
  app.quit();
} else {
  void app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`grid-sftp: ${message}`);
      dialog.showErrorBox('Grid SFTP could not start', message);
      app.exit(1);
    });
}

async function start(): Promise<void> {
  const homeDir = defaultHomeDir();
  const listen = listenAddressFrom(process.env[LISTEN_ENV]);
  const indexHtml = findUiIndex(
    uiDirCandidates(electronDir, app.isPackaged ? process.resourcesPath : undefined),
  );
  const { service, secrets, createdHome } = await openDesktopService({ homeDir, listen, safeStorage, warn });
  if (createdHome) log(`created a grid home at ${homeDir}`);
  if (secrets.migrated) log('sealed the master key with the system keyring and removed the plain key file');
  log(`home ${homeDir}; SFTP on ${listen.host}:${listen.port}`);

  const win = createAppWindow({ indexHtml, preload: preloadPath(electronDir), icon: appIcon(256), warn });
  const disconnectIpc = connectIpc(service, win, warn);
  const tray = createTray({
    show: () => win.show(),
    startServer: () => void service.call('startServer', {}),
    stopServer: () => void service.call('stopServer', {}),
    quit: () => app.quit(),
  });
  service.subscribe((event) => {
    if (event.type === 'server') tray.update(event.server);
  });
  void service.call('getSnapshot', {}).then((result) => {
    if (result.ok) tray.update((result.value as AppSnapshot).server);
  });

  if (secrets.warning !== undefined) {
    void showKeyringNoticeOnce(app.getPath('userData'), secrets.warning).catch((error: unknown) =>
      warn(`could not show the keyring notice: ${String(error)}`),
    );
  }

  app.on('second-instance', () => win.show());
  keepRunningInBackground(win);
  guardQuit(win, service, () => {
    disconnectIpc();
    tray.destroy();
  });
}

/** Closing the window hides it: the server keeps serving, the tray brings the window back. */
function keepRunningInBackground(win: AppWindow): void {
  win.window.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    win.window.hide();
  });
  // Electron quits when the last window closes unless this event is heard; quitting is decided in
  // before-quit only, where running commits are waited for.
  app.on('window-all-closed', () => undefined);
}

function guardQuit(win: AppWindow, service: AppService, teardown: () => void): void {
  const guard = createQuitGuard({
    pendingCommits: () => service.pendingCommits(),
    ask: async (pending) => {
      win.show();
      const { response } = await dialog.showMessageBox(win.window, {
        type: 'question',
        title: 'Grid SFTP',
        message: `${pending} file${pending === 1 ? ' is' : 's are'} still being committed to the grid`,
        detail:
          'Quitting now loses what has not been committed yet. Wait, and Grid SFTP quits by itself ' +
          'once the commits are done.',
        buttons: ['Wait', 'Quit anyway'],
        defaultId: 0,
        cancelId: 0,
      });
      return response === 1 ? 'quit' : 'wait';
    },
    proceed: () => {
      quitting = true;
      log('stopping: no new connections; waiting for running commits');
      win.window.hide();
      void service
        .close()
        .catch((error: unknown) => warn(`stopping the service: ${String(error)}`))
        .finally(() => {
          teardown();
          app.exit(0);
        });
    },
  });
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    guard.request();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
}
