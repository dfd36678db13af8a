import type { HandleView } from '@grid-sftp/core/api';
import { useId, useMemo } from 'react';
import { EmptyRow } from '../components/EmptyRow.js';
import { ErrorText } from '../components/ErrorText.js';
import { useNow } from '../components/use-now.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { formatBytes } from '../format/bytes.js';
import { formatPercent, formatRate } from '../format/rate.js';
import { formatDateTime } from '../format/time.js';
import { actionKeys } from '../store/action-keys.js';
import { useApp } from '../store/store-context.js';
import { committingHandles, finishedCommits } from './handle-groups.js';

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
  const key = actionKeys.commit(handle.id);
  const busy = useApp((s) => key in s.pending);
  const error = useApp((s) => s.errors[key]);
  const retryCommit = useApp((s) => s.retryCommit);
  const discardCommit = useApp((s) => s.discardCommit);
  const ended = handle.finishedAt ?? handle.closedAt;
  return (
    <tr>
      <td className="path">{handle.path}</td>
      <td>{handle.account}</td>
      <td>
        <span className={`pill pill-${handle.state}`}>{handle.state}</span>
        {handle.reason !== undefined && <span className="reason"> {handle.reason}</span>}
      </td>
      <td>{ended === undefined ? '—' : formatDateTime(ended)}</td>
      <td className="actions">
        {handle.state === 'failed' && (
          <>
            {handle.retryable && (
              <button
                type="button"
                className="button-small"
                aria-label={`Retry ${handle.path}`}
                disabled={busy}
                onClick={() => void retryCommit(handle.id)}
              >
                Retry
              </button>
            )}
            <button
              type="button"
              className="button-small button-danger"
              aria-label={`Discard ${handle.path}`}
              disabled={busy}
              onClick={() => void discardCommit(handle.id)}
            >
              Discard
            </button>
          </>
        )}
        <ErrorText error={error} />
      </td>
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
      <section className="panel" aria-labelledby="committing-heading">
        <h2 id="committing-heading">In progress</h2>
        <div className="table-wrap">
          <table aria-label="Commits in progress">
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Account</th>
                <th scope="col">Progress</th>
                <th scope="col" className="number">
                  Percent
                </th>
                <th scope="col" className="number">
                  Speed
                </th>
                <th scope="col" className="number">
                  Nodes written
                </th>
              </tr>
            </thead>
            <tbody>
              {committing.length === 0 ? (
                <EmptyRow columns={6}>
                  Nothing is being stored. A file written over SFTP is encrypted and stored on the grid when
                  it is closed; it shows here until it is done.
                </EmptyRow>
              ) : (
                committing.map((handle) => <CommittingRow key={handle.id} handle={handle} now={now} />)
              )}
            </tbody>
          </table>
        </div>
      </section>
      <section className="panel" aria-labelledby="finished-heading">
        <h2 id="finished-heading">Recently finished</h2>
        <div className="table-wrap">
          <table aria-label="Recently finished">
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Account</th>
                <th scope="col">Outcome</th>
                <th scope="col">Finished</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {finished.length === 0 ? (
                <EmptyRow columns={5}>
                  No finished commits yet. Outcomes of recent uploads are listed here.
                </EmptyRow>
              ) : (
                finished.map((handle) => <FinishedRow key={handle.id} handle={handle} />)
              )}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
