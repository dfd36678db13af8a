/**
 * What the UI sees of the app: plain data, no caps, no secrets, no Node or DOM types. Every
 * shape here crosses a process boundary (Electron IPC or the headless WebSocket) as JSON.
 */

export interface GridEncodingView {
  readonly k: number;
  readonly happy: number;
  readonly n: number;
}

export interface StorageNodeView {
  readonly id: string;
  readonly kind: 'local' | 'sftp' | 's3' | 'memory';
  readonly location: string;
  readonly totalBytes?: number;
  readonly freeBytes?: number;
  readonly usedBytes?: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface HostKeyView {
  readonly type: string;
  /** `SHA256:…`, as OpenSSH prints it. */
  readonly fingerprint: string;
}

export type ServerState = 'starting' | 'running' | 'stopping' | 'stopped';

export interface ServerView {
  readonly state: ServerState;
  /** Where the gateway listens (or will listen once started). */
  readonly host: string;
  readonly port: number;
  readonly hostKeys: readonly HostKeyView[];
  /** Milliseconds since the epoch. */
  readonly startedAt?: number;
  /** Why the last start failed. */
  readonly error?: string;
}

export interface SessionView {
  readonly id: string;
  readonly account: string;
  readonly address: string;
  readonly clientVersion: string;
  /** The negotiated cipher, client to server (ssh2's name, e.g. `aes128-gcm@openssh.com`). */
  readonly cipher: string;
  readonly connectedAt: number;
}

export interface AccountKeyView {
  readonly type: string;
  readonly fingerprint: string;
  readonly comment: string;
  /** The whole OpenSSH public key line (public keys are not secrets): lets an edit start from it. */
  readonly line: string;
}

export interface AccountView {
  readonly name: string;
  readonly hasPassword: boolean;
  readonly keys: readonly AccountKeyView[];
  readonly readOnly: boolean;
  /** ISO 8601. */
  readonly createdAt: string;
}

/**
 * The life of an open file handle and of the commit it may lead to (DESIGN §3):
 *
 *   open → closing → committing → committed | failed
 *   open → closing → closed            (a handle that had nothing to commit: read-only, unchanged)
 *   open | closing | committing → abandoned   (dropped connection, removed while open)
 *   failed → committing                (retry) | abandoned (discard)
 */
export type HandleState = 'open' | 'closing' | 'committing' | 'committed' | 'closed' | 'failed' | 'abandoned';

export interface CommitProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly startedAt: number;
  /** Distinct storage nodes that hold a share, once known. */
  readonly nodesWritten?: number;
}

/** One handle, open or finished: what Open handles and Pending commits show. */
export interface HandleView {
  readonly id: string;
  readonly sessionId: string;
  readonly account: string;
  /** The path the handle has now (a rename while open moves it). */
  readonly path: string;
  readonly flags: readonly string[];
  readonly state: HandleState;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** Milliseconds since the epoch. */
  readonly openedAt: number;
  readonly closedAt?: number;
  readonly finishedAt?: number;
  readonly commit?: CommitProgress;
  /** Why a commit failed or a handle was abandoned, in words safe to show. */
  readonly reason?: string;
  /** A failed commit that can be tried again. */
  readonly retryable: boolean;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  /** Increases by one per entry: lets a client tell what it has already seen. */
  readonly seq: number;
  readonly time: number;
  readonly level: LogLevel;
  readonly message: string;
}

export type HealthAction = 'check' | 'verify' | 'repair';

export interface HealthJobView {
  readonly id: string;
  readonly action: HealthAction;
  /** What is checked, for people: `account alice` or a shortened cap. */
  readonly target: string;
  readonly state: 'running' | 'healthy' | 'unhealthy' | 'failed';
  /** Objects (files and directories) done so far, and known so far (grows while the walk finds more). */
  readonly done: number;
  readonly total: number;
  readonly startedAt: number;
  readonly finishedAt?: number;
  /** One line per problem found (or repaired), safe to show. */
  readonly problems: readonly string[];
  readonly summary?: string;
}

/** Everything at once: what a client loads first, then keeps current with events. */
export interface AppSnapshot {
  readonly server: ServerView;
  readonly sessions: readonly SessionView[];
  readonly accounts: readonly AccountView[];
  readonly handles: readonly HandleView[];
  readonly nodes: readonly StorageNodeView[];
  readonly encoding: GridEncodingView;
  /** The most recent log entries, oldest first. */
  readonly logs: readonly LogEntry[];
  readonly jobs: readonly HealthJobView[];
}
