import type { ApiClient } from '@grid-sftp/core/api';
import type { ConnectionStatus } from '../store/app-state.js';

/** A client of the service plus whether it can reach it now (a WebSocket may drop; IPC does not). */
export interface ServiceConnection {
  readonly client: ApiClient;
  /** Calls `listener` with the current status at once, then on every change. */
  readonly onStatus: (listener: (status: ConnectionStatus) => void) => () => void;
}
