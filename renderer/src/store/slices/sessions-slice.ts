import type { ApiClient } from '@grid-sftp/core/api';
import { actionKeys } from '../action-keys.js';
import type { SessionsSlice, SetState } from '../app-state.js';
import { trackResult } from '../track-result.js';

export function createSessionsSlice(set: SetState, client: ApiClient): SessionsSlice {
  return {
    sessions: [],
    // The session-removed event, not the reply, takes the row away: the list shows what the service has.
    disconnectSession: (id) =>
      trackResult(set, actionKeys.disconnect(id), () => client.disconnectSession({ id })),
  };
}
