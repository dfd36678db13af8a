import type { HealthJobView } from '@grid-sftp/core/api';
import { useId } from 'react';
import { formatDateTime } from '../../format/time.js';

const ACTION_WORDS: Record<HealthJobView['action'], string> = {
  check: 'Check',
  verify: 'Verify',
  repair: 'Repair',
};

function JobItem({ job }: { job: HealthJobView }) {
  const titleId = useId();
  return (
    <li className="job" aria-labelledby={titleId}>
      <div className="job-head">
        <span id={titleId} className="job-title">
          {ACTION_WORDS[job.action]} {job.target}
        </span>
        <span className={`pill pill-${job.state}`}>{job.state}</span>
      </div>
      <div className="job-progress">
        {job.total > 0 ? (
          <progress aria-labelledby={titleId} max={job.total} value={Math.min(job.done, job.total)} />
        ) : (
          <progress aria-labelledby={titleId} />
        )}
        <span className="muted">
          {job.done} of {job.total} objects
        </span>
      </div>
      <p className="muted">
        Started {formatDateTime(job.startedAt)}
        {job.finishedAt !== undefined && `, finished ${formatDateTime(job.finishedAt)}`}
      </p>
      {job.summary !== undefined && <p>{job.summary}</p>}
      {job.problems.length > 0 && (
        <ul className="problems" aria-label="Problems">
          {job.problems.map((problem, index) => (
            <li key={index}>{problem}</li>
          ))}
        </ul>
      )}
    </li>
  );
}

export function HealthJobs({ jobs }: { jobs: readonly HealthJobView[] }) {
  if (jobs.length === 0) {
    return (
      <p className="empty-state">No health jobs yet. Start a check above to see how well files are spread.</p>
    );
  }
  const newestFirst = [...jobs].sort((a, b) => b.startedAt - a.startedAt);
  return (
    <ul className="jobs" aria-label="Health jobs">
      {newestFirst.map((job) => (
        <JobItem key={job.id} job={job} />
      ))}
    </ul>
  );
}
