import { ErrorText } from '../components/ErrorText.js';
import { Panel } from '../components/Panel.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { actionKeys } from '../store/action-keys.js';
import { useApp } from '../store/store-context.js';
import { useAction } from '../store/use-action.js';
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
  const refresh = useAction(actionKeys.refreshNodes);
  return (
    <>
      <ViewHeader title="Storage" />
      <Panel
        title="Storage nodes"
        actions={
          <button type="button" disabled={refresh.busy} onClick={() => void refreshNodes()}>
            Refresh
          </button>
        }
      >
        <ErrorText error={refresh.error} />
        <NodesTable nodes={nodes} />
      </Panel>
      <Panel title="Encoding">
        <EncodingFacts encoding={encoding} />
      </Panel>
      <AddNodeForm />
      <Panel title="Health">
        <HealthForm />
        <h3>Jobs</h3>
        <HealthJobs jobs={jobs} />
      </Panel>
    </>
  );
}
