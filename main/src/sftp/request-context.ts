import type { FileSystemSessionApi } from '@grid-sftp/core';
import type { HandleTable } from './handle-table.js';
import type { SftpLimits } from './limits.js';
import type { RequestPaths } from './request-paths.js';

/** What the request handlers share: the session they call, the handles, the limits and paths. */
export interface RequestContext {
  readonly session: FileSystemSessionApi;
  readonly handles: HandleTable;
  readonly limits: SftpLimits;
  readonly paths: RequestPaths;
  /** True once the connection is gone: a handle opened after that is closed at once. */
  readonly closed: () => boolean;
  /** Memory for a DATA reply (pooled when the stream copies what is written; see SftpServerOptions). */
  readonly allocateData: (length: number) => Buffer;
}
