import type { LogEntry } from '@grid-sftp/core/api';
import type { LogsSlice } from '../app-state.js';

/** Enough to scroll back through a busy session without the page growing without bound. */
export const LOG_CAP = 2000;

export function createLogsSlice(): LogsSlice {
  return { logs: [] };
}

export function capLogs(entries: readonly LogEntry[]): readonly LogEntry[] {
  return entries.length > LOG_CAP ? entries.slice(entries.length - LOG_CAP) : [...entries];
}

/**
 * Appends one entry, skipping one already held: after a reconnect the service may push again
 * entries that the fresh snapshot already has (seq tells them apart).
 */
export function appendLog(logs: readonly LogEntry[], entry: LogEntry): readonly LogEntry[] {
  const last = logs[logs.length - 1];
  if (last !== undefined && entry.seq <= last.seq) return logs;
  return capLogs([...logs, entry]);
}
