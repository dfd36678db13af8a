import { Menu, Tray, nativeImage, type NativeImage } from 'electron';
import type { ServerView } from '@grid-sftp/core/api';
import { gridIconPng } from './icon-png.js';

export function appIcon(size: number): NativeImage {
  return nativeImage.createFromBuffer(gridIconPng(size));
}

export interface TrayActions {
  show(): void;
  startServer(): void;
  stopServer(): void;
  quit(): void;
}

/**
 * The app keeps serving with its window closed; the tray is how to get back to it, switch the
 * SFTP server on or off, and quit.
 */
export function createTray(actions: TrayActions): {
  update(server: ServerView | undefined): void;
  destroy(): void;
} {
  const tray = new Tray(appIcon(32));
  tray.setToolTip('Grid SFTP');
  tray.on('click', () => actions.show());
  const update = (server: ServerView | undefined): void => {
    const running = server?.state === 'running';
    tray.setToolTip(
      running ? `Grid SFTP: serving on ${server.host}:${server.port}` : 'Grid SFTP: server stopped',
    );
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Show Grid SFTP', click: () => actions.show() },
        { type: 'separator' },
        running
          ? { label: 'Stop SFTP server', click: () => actions.stopServer() }
          : { label: 'Start SFTP server', click: () => actions.startServer() },
        { type: 'separator' },
        { label: 'Quit Grid SFTP', click: () => actions.quit() },
      ]),
    );
  };
  update(undefined);
  return { update, destroy: () => tray.destroy() };
}
