import type {
  AccountView,
  AppSnapshot,
  HandleView,
  LogEntry,
  ServerView,
  SessionView,
  StorageNodeView,
} from '@grid-sftp/core/api';

export const T0 = Date.UTC(2025, 10, 21, 12, 0, 0);

export function server(overrides: Partial<ServerView> = {}): ServerView {
  return {
    state: 'running',
    host: '127.0.0.1',
    port: 2222,
    hostKeys: [{ type: 'ssh-ed25519', fingerprint: 'SHA256:abcdefghijklmnop' }],
    startedAt: T0,
    ...overrides,
  };
}

export function account(name: string, overrides: Partial<AccountView> = {}): AccountView {
  return {
    name,
    hasPassword: true,
    keys: [],
    readOnly: false,
    createdAt: new Date(T0).toISOString(),
    ...overrides,
  };
}

export function session(id: string, overrides: Partial<SessionView> = {}): SessionView {
  return {
    id,
    account: 'alice',
    address: '127.0.0.1:50000',
    clientVersion: 'SSH-2.0-OpenSSH_9.2',
    cipher: 'aes128-gcm@openssh.com',
    connectedAt: T0,
    ...overrides,
  };
}

export function handle(id: string, overrides: Partial<HandleView> = {}): HandleView {
  return {
    id,
    sessionId: 's1',
    account: 'alice',
    path: `/docs/${id}.txt`,
    flags: ['write', 'create'],
    state: 'open',
    bytesRead: 0,
    bytesWritten: 0,
    openedAt: T0,
    retryable: false,
    ...overrides,
  };
}

export function node(id: string, overrides: Partial<StorageNodeView> = {}): StorageNodeView {
  return {
    id,
    kind: 'local',
    location: `/srv/${id}`,
    ok: true,
    totalBytes: 1000,
    usedBytes: 100,
    freeBytes: 900,
    ...overrides,
  };
}

export function log(seq: number, overrides: Partial<LogEntry> = {}): LogEntry {
  return { seq, time: T0 + seq * 1000, level: 'info', message: `entry ${seq}`, ...overrides };
}

export function snapshot(overrides: Partial<AppSnapshot> = {}): AppSnapshot {
  return {
    server: server(),
    sessions: [],
    accounts: [],
    handles: [],
    nodes: [],
    encoding: { k: 3, happy: 7, n: 10 },
    logs: [],
    jobs: [],
    ...overrides,
  };
}
