import type { ApiClient } from '@grid-sftp/core/api';
import { actionKeys } from '../action-keys.js';
import type { HandlesSlice, SetState } from '../app-state.js';
import { trackResult } from '../track-result.js';

export function createHandlesSlice(set: SetState, client: ApiClient): HandlesSlice {
  // A retried or discarded commit changes state through handle-changed events, not the reply.
  return {
    handles: [],
    retryCommit: (id) => trackResult(set, actionKeys.commit(id), () => client.retryCommit({ id })),
    discardCommit: (id) => trackResult(set, actionKeys.commit(id), () => client.discardCommit({ id })),
  };
}
