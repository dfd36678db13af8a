import type {
  AccountInput,
  AccountUpdate,
  AccountView,
  ApiError,
  AppEvent,
  AppSnapshot,
  GridEncodingView,
  HandleView,
  HealthAction,
  HealthJobView,
  HealthTarget,
  LogEntry,
  Result,
  ServerView,
  SessionView,
  StorageNodeView,
} from '@grid-sftp/core/api';
import type { ActionsState } from './track-result.js';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface ServerSlice {
  readonly server: ServerView | null;
  readonly startServer: () => Promise<Result<ServerView>>;
  readonly stopServer: () => Promise<Result<ServerView>>;
}

export interface SessionsSlice {
  readonly sessions: readonly SessionView[];
  readonly disconnectSession: (id: string) => Promise<Result<null>>;
}

export interface AccountsSlice {
  readonly accounts: readonly AccountView[];
  readonly addAccount: (input: AccountInput) => Promise<Result<AccountView>>;
  readonly updateAccount: (update: AccountUpdate) => Promise<Result<AccountView>>;
  readonly removeAccount: (name: string) => Promise<Result<null>>;
}

export interface HandlesSlice {
  readonly handles: readonly HandleView[];
  readonly retryCommit: (id: string) => Promise<Result<null>>;
  readonly discardCommit: (id: string) => Promise<Result<null>>;
}

export interface NodesSlice {
  readonly nodes: readonly StorageNodeView[];
  readonly encoding: GridEncodingView | null;
  readonly addLocalNode: (path: string) => Promise<Result<StorageNodeView>>;
  readonly refreshNodes: () => Promise<Result<readonly StorageNodeView[]>>;
}

export interface LogsSlice {
  /** Oldest first, at most LOG_CAP entries. */
  readonly logs: readonly LogEntry[];
}

export interface JobsSlice {
  readonly jobs: readonly HealthJobView[];
  readonly startHealthJob: (action: HealthAction, target: HealthTarget) => Promise<Result<HealthJobView>>;
}

export interface ConnectionSlice extends ActionsState {
  readonly connection: ConnectionStatus;
  /** A snapshot has been loaded at least once. */
  readonly loaded: boolean;
  /** Why the last snapshot could not be loaded. */
  readonly loadError: ApiError | null;
  readonly setConnection: (status: ConnectionStatus) => void;
  readonly setLoadError: (error: ApiError | null) => void;
  readonly clearError: (key: string) => void;
}

export interface SyncSlice {
  readonly loadSnapshot: (snapshot: AppSnapshot) => void;
  readonly applyEvent: (event: AppEvent) => void;
}

export type AppState = ServerSlice &
  SessionsSlice &
  AccountsSlice &
  HandlesSlice &
  NodesSlice &
  LogsSlice &
  JobsSlice &
  ConnectionSlice &
  SyncSlice;

export type SetState = (update: Partial<AppState> | ((state: AppState) => Partial<AppState>)) => void;
export type GetState = () => AppState;
