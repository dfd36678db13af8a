import type { HandleView } from '@grid-sftp/core/api';
import { useId, useMemo } from 'react';
import { DataTable, type Column } from '../components/DataTable.js';
import { Panel } from '../components/Panel.js';
import { RowActions, type RowAction } from '../components/RowActions.js';
import { useNow } from '../components/use-now.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { formatBytes } from '../format/bytes.js';
import { formatPercent, formatRate } from '../format/rate.js';
import { formatDateTime } from '../format/time.js';
import { actionKeys } from '../store/action-keys.js';
import { useApp } from '../store/store-context.js';
import { committingHandles, finishedCommits } from './handle-groups.js';

const COMMITTING_COLUMNS: readonly Column[] = [
  'Path',
  'Account',
  'Progress',
  { name: 'Percent', numeric: true },
  { name: 'Speed', numeric: true },
  { name: 'Nodes written', numeric: true },
];

const FINISHED_COLUMNS: readonly Column[] = [
  'Path',
  'Account',
  'Outcome',
  'Finished',
  { name: 'Actions', hidden: true },
];

function CommittingRow({ handle, now }: { handle: HandleView; now: number }) {
  const pathId = useId();
  const progress = handle.commit;
  const done = progress?.bytesDone ?? 0;
  const total = progress?.bytesTotal ?? 0;
  return (
    <tr>
      <td className="path" id={pathId}>
        {handle.path}
      </td>
      <td>{handle.account}</td>
      <td>
        {/* Without a total yet, an indeterminate bar says "working" rather than a false 0%. */}
        {total > 0 ? (
          <progress aria-labelledby={pathId} max={total} value={Math.min(done, total)} />
        ) : (
          <progress aria-labelledby={pathId} />
        )}
        <span className="muted progress-bytes">
          {' '}
          {formatBytes(done)} of {total > 0 ? formatBytes(total) : '…'}
        </span>
      </td>
      <td className="number">{formatPercent(done, total)}</td>
      <td className="number">{progress === undefined ? '—' : formatRate(done, progress.startedAt, now)}</td>
      <td className="number">{progress?.nodesWritten ?? '—'}</td>
    </tr>
  );
}

function FinishedRow({ handle }: { handle: HandleView }) {
  const retryCommit = useApp((s) => s.retryCommit);
  const discardCommit = useApp((s) => s.discardCommit);
  const ended = handle.finishedAt ?? handle.closedAt;
  const retry: RowAction = {
    label: 'Retry',
    name: `Retry ${handle.path}`,
    run: () => retryCommit(handle.id),
  };
  const discard: RowAction = {
    label: 'Discard',
    name: `Discard ${handle.path}`,
    danger: true,
    run: () => discardCommit(handle.id),
  };
  const actions = handle.state !== 'failed' ? [] : handle.retryable ? [retry, discard] : [discard];
  return (
    <tr>
      <td className="path">{handle.path}</td>
      <td>{handle.account}</td>
      <td>
        <span className={`pill pill-${handle.state}`}>{handle.state}</span>
        {handle.reason !== undefined && <span className="reason"> {handle.reason}</span>}
      </td>
      <td>{ended === undefined ? '—' : formatDateTime(ended)}</td>
      <RowActions actionKey={actionKeys.commit(handle.id)} actions={actions} />
    </tr>
  );
}

export function PendingCommits() {
  const handles = useApp((s) => s.handles);
  const committing = useMemo(() => committingHandles(handles), [handles]);
  const finished = useMemo(() => finishedCommits(handles), [handles]);
  const now = useNow(1000, committing.length > 0);
  return (
    <>
      <ViewHeader title="Pending commits" />
      <Panel title="In progress">
        <DataTable
          label="Commits in progress"
          columns={COMMITTING_COLUMNS}
          rows={committing}
          row={(handle) => <CommittingRow key={handle.id} handle={handle} now={now} />}
          empty="Nothing is being stored. A file written over SFTP is encrypted and stored on the grid when it is closed; it shows here until it is done."
        />
      </Panel>
      <Panel title="Recently finished">
        <DataTable
          label="Recently finished"
          columns={FINISHED_COLUMNS}
          rows={finished}
          row={(handle) => <FinishedRow key={handle.id} handle={handle} />}
          empty="No finished commits yet. Outcomes of recent uploads are listed here."
        />
      </Panel>
    </>
  );
}
