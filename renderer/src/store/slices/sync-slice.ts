import type { AppEvent } from '@grid-sftp/core/api';
import type { AppState, SetState, SyncSlice } from '../app-state.js';
import { byId, removeBy, upsertBy } from '../lists.js';
import { appendLog, capLogs } from './logs-slice.js';

/** What one event changes. Events carry whole items, so applying one twice changes nothing more. */
function changeFor(state: AppState, event: AppEvent): Partial<AppState> {
  switch (event.type) {
    case 'server':
      return { server: event.server };
    case 'session-added':
      return { sessions: upsertBy(state.sessions, event.session, byId) };
    case 'session-removed':
      return { sessions: removeBy(state.sessions, event.id, byId) };
    case 'accounts':
      return { accounts: [...event.accounts] };
    case 'handle-added':
    case 'handle-changed':
      return { handles: upsertBy(state.handles, event.handle, byId) };
    case 'handle-removed':
      return { handles: removeBy(state.handles, event.id, byId) };
    case 'nodes':
      return { nodes: [...event.nodes] };
    case 'log':
      return { logs: appendLog(state.logs, event.entry) };
    case 'job':
      return { jobs: upsertBy(state.jobs, event.job, byId) };
    default:
      // An event from a newer service that this UI does not know: ignore it rather than break.
      return {};
  }
}

export function createSyncSlice(set: SetState): SyncSlice {
  return {
    loadSnapshot: (snapshot) =>
      set({
        server: snapshot.server,
        sessions: [...snapshot.sessions],
        accounts: [...snapshot.accounts],
        handles: [...snapshot.handles],
        nodes: [...snapshot.nodes],
        encoding: snapshot.encoding,
        logs: capLogs(snapshot.logs),
        jobs: [...snapshot.jobs],
        loaded: true,
        loadError: null,
      }),
    applyEvent: (event) => set((state) => changeFor(state, event)),
  };
}
