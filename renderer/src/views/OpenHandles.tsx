import type { HandleView } from '@grid-sftp/core/api';
import { useMemo } from 'react';
import { DataTable, type Column } from '../components/DataTable.js';
import { useNow } from '../components/use-now.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { formatBytes } from '../format/bytes.js';
import { formatDuration } from '../format/time.js';
import { useApp } from '../store/store-context.js';
import { openHandles } from './handle-groups.js';

const COLUMNS: readonly Column[] = [
  'Account',
  'Path',
  'Flags',
  { name: 'Bytes read', numeric: true },
  { name: 'Bytes written', numeric: true },
  'State',
  { name: 'Age', numeric: true },
];

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
        <DataTable
          label="Open handles"
          columns={COLUMNS}
          rows={open}
          row={(handle) => <HandleRow key={handle.id} handle={handle} now={now} />}
          empty="No open files. Files open over SFTP appear here while they are open."
        />
      </section>
    </>
  );
}
