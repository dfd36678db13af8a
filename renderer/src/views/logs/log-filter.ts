import type { LogEntry, LogLevel } from '@grid-sftp/core/api';

export type LevelFilter = 'all' | LogLevel;

const SEVERITY: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A level shows that level and everything more severe; search is case-insensitive on the message. */
export function filterLogs(
  logs: readonly LogEntry[],
  level: LevelFilter,
  search: string,
): readonly LogEntry[] {
  const needle = search.trim().toLowerCase();
  if (level === 'all' && needle === '') return logs;
  const least = level === 'all' ? 0 : SEVERITY[level];
  return logs.filter(
    (entry) =>
      SEVERITY[entry.level] >= least && (needle === '' || entry.message.toLowerCase().includes(needle)),
  );
}

/** One line per entry: ISO time, level, message. */
export function logsAsText(logs: readonly LogEntry[]): string {
  return logs
    .map((e) => `${new Date(e.time).toISOString()} ${e.level.toUpperCase().padEnd(5)} ${e.message}\n`)
    .join('');
}
