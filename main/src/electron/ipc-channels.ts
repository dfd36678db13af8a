import type { MethodName } from '@grid-sftp/core/api';

/** One IPC channel per contract method, so each handler sees only its own kind of request. */
export function methodChannel(method: MethodName): `grid:${MethodName}` {
  return `grid:${method}`;
}

/** Service → window pushes (one `AppEvent` per message). */
export const EVENT_CHANNEL = 'grid:event';

/** Window → service: the page has its snapshot, so held pushes may flow. */
export const READY_CHANNEL = 'grid:ready';
