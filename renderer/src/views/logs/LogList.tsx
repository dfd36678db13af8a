import type { LogEntry } from '@grid-sftp/core/api';
import { useLayoutEffect, useRef } from 'react';
import { formatClock } from '../../format/time.js';

/** Within this many pixels of the end counts as "at the bottom". */
const BOTTOM_SLACK = 24;

/** The live list; follows new entries only while the reader is already at the bottom. */
export function LogList({ entries, emptyText }: { entries: readonly LogEntry[]; emptyText: string }) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useLayoutEffect(() => {
    const element = box.current;
    if (element !== null && atBottom.current) element.scrollTop = element.scrollHeight;
  }, [entries]);

  const onScroll = (): void => {
    const element = box.current;
    if (element === null) return;
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight <= BOTTOM_SLACK;
  };

  return (
    <div ref={box} className="log-box" role="log" aria-label="Log entries" tabIndex={0} onScroll={onScroll}>
      {entries.length === 0 ? (
        <p className="empty-state">{emptyText}</p>
      ) : (
        <ol className="log-list">
          {entries.map((entry) => (
            <li key={entry.seq} className={`log-entry log-${entry.level}`}>
              <time dateTime={new Date(entry.time).toISOString()}>{formatClock(entry.time)}</time>
              <span className="log-level">{entry.level}</span>
              <span className="log-message">{entry.message}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
