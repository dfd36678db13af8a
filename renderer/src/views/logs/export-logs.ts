import type { LogEntry } from '@grid-sftp/core/api';
import { logsAsText } from './log-filter.js';

/** Downloads the entries as a text file through a temporary object URL. */
export function exportLogs(logs: readonly LogEntry[], now = new Date()): void {
  const blob = new Blob([logsAsText(logs)], { type: 'text/plain;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `grid-sftp-log-${now.toISOString().replace(/[:.]/g, '-')}.txt`;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked on the next turn: some browsers start the download only after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
