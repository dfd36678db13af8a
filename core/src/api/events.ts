import type {
  AccountView,
  HandleView,
  HealthJobView,
  LogEntry,
  ServerView,
  SessionView,
  StorageNodeView,
} from './views.js';

/**
 * Every push from the service to the UI. Each carries the whole changed item (or list), so a
 * client replaces what it holds and never patches it.
 */
export type AppEvent =
  | { readonly type: 'server'; readonly server: ServerView }
  | { readonly type: 'session-added'; readonly session: SessionView }
  | { readonly type: 'session-removed'; readonly id: string }
  | { readonly type: 'accounts'; readonly accounts: readonly AccountView[] }
  | { readonly type: 'handle-added'; readonly handle: HandleView }
  | { readonly type: 'handle-changed'; readonly handle: HandleView }
  | { readonly type: 'handle-removed'; readonly id: string }
  | { readonly type: 'nodes'; readonly nodes: readonly StorageNodeView[] }
  | { readonly type: 'log'; readonly entry: LogEntry }
  | { readonly type: 'job'; readonly job: HealthJobView };

export type AppEventType = AppEvent['type'];
