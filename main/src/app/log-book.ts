import type { LogEntry, LogLevel } from '@grid-sftp/core/api';

/**
 * The app's log: a bounded ring of entries with increasing sequence numbers, each also handed to
 * `onEntry` (the event stream, the console). Bounded so that a server running for months keeps
 * a steady memory; exports come from what is kept.
 */
export class LogBook {
  private entries: LogEntry[] = [];
  private seq = 0;

  constructor(
    private readonly onEntry: (entry: LogEntry) => void,
    private readonly limit = 2000,
  ) {}

  add(level: LogLevel, message: string): LogEntry {
    const entry: LogEntry = { seq: ++this.seq, time: Date.now(), level, message };
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries = this.entries.slice(-this.limit);
    this.onEntry(entry);
    return entry;
  }

  recent(count = 500): LogEntry[] {
    return this.entries.slice(-count);
  }
}
