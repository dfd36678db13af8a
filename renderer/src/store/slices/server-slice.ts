import type { ApiClient } from '@grid-sftp/core/api';
import { actionKeys } from '../action-keys.js';
import type { ServerSlice, SetState } from '../app-state.js';
import { trackResult } from '../track-result.js';

export function createServerSlice(set: SetState, client: ApiClient): ServerSlice {
  const change = async (call: () => ReturnType<ApiClient['startServer']>) => {
    const result = await trackResult(set, actionKeys.server, call);
    if (result.ok) set({ server: result.value });
    return result;
  };
  return {
    server: null,
    startServer: () => change(() => client.startServer({})),
    stopServer: () => change(() => client.stopServer({})),
  };
}
