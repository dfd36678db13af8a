import type { ApiClient } from '@grid-sftp/core/api';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppState } from './app-state.js';
import { createAccountsSlice } from './slices/accounts-slice.js';
import { createConnectionSlice } from './slices/connection-slice.js';
import { createHandlesSlice } from './slices/handles-slice.js';
import { createJobsSlice } from './slices/jobs-slice.js';
import { createLogsSlice } from './slices/logs-slice.js';
import { createNodesSlice } from './slices/nodes-slice.js';
import { createServerSlice } from './slices/server-slice.js';
import { createSessionsSlice } from './slices/sessions-slice.js';
import { createSyncSlice } from './slices/sync-slice.js';

export type AppStore = StoreApi<AppState>;

/** One store of slices; its actions call the service through `client`. */
export function createAppStore(client: ApiClient): AppStore {
  return createStore<AppState>()((set) => ({
    ...createServerSlice(set, client),
    ...createSessionsSlice(set, client),
    ...createAccountsSlice(set, client),
    ...createHandlesSlice(set, client),
    ...createNodesSlice(set, client),
    ...createLogsSlice(),
    ...createJobsSlice(set, client),
    ...createConnectionSlice(set),
    ...createSyncSlice(set),
  }));
}
