// Runs sandboxed, so it may require only `electron`: main/scripts/bundle-preload.mjs bundles this
// file and the contract it imports into main/dist/electron/preload.cjs, the file the window loads.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { makeApiClient, type ApiTransport, type AppEvent, type Result } from '@grid-sftp/core/api';
import { EVENT_CHANNEL, READY_CHANNEL, methodChannel } from './ipc-channels.js';

const ipcTransport: ApiTransport = {
  call: (method, params) => ipcRenderer.invoke(methodChannel(method), params) as Promise<Result<unknown>>,
  subscribe(listener) {
    // Only the event crosses into the page, never Electron's IPC event (it holds the sender).
    const onEvent = (_ipc: IpcRendererEvent, event: AppEvent): void => listener(event);
    ipcRenderer.on(EVENT_CHANNEL, onEvent);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, onEvent);
    };
  },
  ready: () => ipcRenderer.send(READY_CHANNEL),
};

const api = makeApiClient(ipcTransport);

contextBridge.exposeInMainWorld('grid', api);

/** `window.grid` in the desktop app: exactly the contract's methods, plus onEvent and ready. */
export type WindowApi = typeof api;
