import type { HandleView } from '@grid-sftp/core/api';
import { useMemo } from 'react';
import { EmptyRow } from '../components/EmptyRow.js';
import { useNow } from '../components/use-now.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { formatBytes } from '../format/bytes.js';
import { formatDuration } from '../format/time.js';
import { useApp } from '../store/store-context.js';
import { openHandles } from './handle-groups.js';

function HandleRow({ handle, now }: { handle: HandleView; now: number }) {
  return (
    <tr>
      <td>{handle.account}</td>
      <td className="path">{handle.path}</td>
      <td>{handle.flags.length === 0 ? '—' : handle.flags.join(', ')}</td>
      <td className="number">{formatBytes(handle.bytesRead)}</td>
      <td className="number">{formatBytes(handle.bytesWritten)}</td>
      <td>
        <span className={`pill pill-${handle.state}`}>{handle.state}</span>
      </td>
      <td className="number">{formatDuration(now - handle.openedAt)}</td>
    </tr>
  );
}

export function OpenHandles() {
  const handles = useApp((s) => s.handles);
  const open = useMemo(() => openHandles(handles), [handles]);
  const now = useNow(1000, open.length > 0);
  return (
    <>
      <ViewHeader title="Open handles" />
      <section className="panel">
        <p className="muted">
          Files open over SFTP right now. Written files are stored on the grid when they are closed; follow
          that under Pending commits.
        </p>
        <div className="table-wrap">
          <table aria-label="Open handles">
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Path</th>
                <th scope="col">Flags</th>
                <th scope="col" className="number">
                  Bytes read
                </th>
                <th scope="col" className="number">
                  Bytes written
                </th>
                <th scope="col">State</th>
                <th scope="col" className="number">
                  Age
                </th>
              </tr>
            </thead>
            <tbody>
              {open.length === 0 ? (
                <EmptyRow columns={7}>
                  No open files. Files open over SFTP appear here while they are open.
                </EmptyRow>
              ) : (
                open.map((handle) => <HandleRow key={handle.id} handle={handle} now={now} />)
              )}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
