import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import { API_METHODS, fail, type AppEvent, type MethodName, type Result } from '@grid-sftp/core/api';
import type { AppWindow } from './app-window.js';
import { READY_CHANNEL, methodChannel } from './ipc-channels.js';

export interface ServiceCalls {
  call(method: MethodName, params: unknown): Promise<Result<unknown>>;
  subscribe(listener: (event: AppEvent) => void): () => void;
}

/**
 * One handler per contract method (`grid:<method>`), answering only our own page: the service
 * validates the params, this checks who sent them. Events go through the window's gate.
 */
export function connectIpc(
  service: ServiceCalls,
  win: AppWindow,
  warn: (message: string) => void,
): () => void {
  const refuse = (event: IpcMainEvent | IpcMainInvokeEvent, what: string): void =>
    warn(`refused ${what} from ${event.senderFrame?.url ?? 'a frame that is gone'}`);

  for (const method of API_METHODS) {
    ipcMain.handle(methodChannel(method), async (event, params: unknown): Promise<Result<unknown>> => {
      if (!win.isOurs(event.sender, event.senderFrame)) {
        refuse(event, method);
        throw new Error('refused: the request does not come from the Grid SFTP window');
      }
      try {
        return await service.call(method, params);
      } catch (error) {
        warn(`${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return fail('internal', error instanceof Error ? error.message : String(error));
      }
    });
  }

  const onReady = (event: IpcMainEvent): void => {
    if (win.isOurs(event.sender, event.senderFrame)) win.events.open();
    else refuse(event, 'ready');
  };
  ipcMain.on(READY_CHANNEL, onReady);
  const unsubscribe = service.subscribe((event) => win.events.push(event));

  return () => {
    unsubscribe();
    ipcMain.off(READY_CHANNEL, onReady);
    for (const method of API_METHODS) ipcMain.removeHandler(methodChannel(method));
  };
}
