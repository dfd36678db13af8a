import { ErrorText } from '../components/ErrorText.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { actionKeys } from '../store/action-keys.js';
import { useApp } from '../store/store-context.js';
import { AddNodeForm } from './storage/AddNodeForm.js';
import { EncodingFacts } from './storage/EncodingFacts.js';
import { HealthForm } from './storage/HealthForm.js';
import { HealthJobs } from './storage/HealthJobs.js';
import { NodesTable } from './storage/NodesTable.js';

export function Storage() {
  const nodes = useApp((s) => s.nodes);
  const encoding = useApp((s) => s.encoding);
  const jobs = useApp((s) => s.jobs);
  const refreshNodes = useApp((s) => s.refreshNodes);
  const refreshing = useApp((s) => actionKeys.refreshNodes in s.pending);
  const refreshError = useApp((s) => s.errors[actionKeys.refreshNodes]);
  return (
    <>
      <ViewHeader title="Storage" />
      <section className="panel" aria-labelledby="nodes-heading">
        <div className="panel-head">
          <h2 id="nodes-heading">Storage nodes</h2>
          <button type="button" disabled={refreshing} onClick={() => void refreshNodes()}>
            Refresh
          </button>
        </div>
        <ErrorText error={refreshError} />
        <NodesTable nodes={nodes} />
      </section>
      <section className="panel" aria-labelledby="encoding-heading">
        <h2 id="encoding-heading">Encoding</h2>
        <EncodingFacts encoding={encoding} />
      </section>
      <AddNodeForm />
      <section className="panel" aria-labelledby="health-heading">
        <h2 id="health-heading">Health</h2>
        <HealthForm />
        <h3>Jobs</h3>
        <HealthJobs jobs={jobs} />
      </section>
    </>
  );
}
