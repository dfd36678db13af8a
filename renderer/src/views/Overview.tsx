import type { ServerView, SessionView } from '@grid-sftp/core/api';
import { DataTable, type Column } from '../components/DataTable.js';
import { ErrorText } from '../components/ErrorText.js';
import { Panel } from '../components/Panel.js';
import { RowActions } from '../components/RowActions.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { formatDateTime } from '../format/time.js';
import { actionKeys } from '../store/action-keys.js';
import { useApp } from '../store/store-context.js';
import { useAction } from '../store/use-action.js';
import { HostKeyList } from './HostKeyList.js';
import { serverAddress } from './server-address.js';

const STATE_WORDS: Record<ServerView['state'], string> = {
  starting: 'Starting…',
  running: 'Running',
  stopping: 'Stopping…',
  stopped: 'Stopped',
};

function ServerPanel() {
  const server = useApp((s) => s.server);
  const { busy, error } = useAction(actionKeys.server);
  const startServer = useApp((s) => s.startServer);
  const stopServer = useApp((s) => s.stopServer);

  if (server === null) {
    return (
      <Panel title="SFTP server">
        <p className="muted">Loading the server’s status…</p>
      </Panel>
    );
  }
  const running = server.state === 'running' || server.state === 'starting';
  return (
    <Panel title="SFTP server">
      <dl className="facts">
        <div>
          <dt>Listening on</dt>
          <dd>
            <code>{serverAddress(server)}</code>
          </dd>
        </div>
        <div>
          <dt>State</dt>
          <dd>
            <span className={`pill pill-${server.state}`}>{STATE_WORDS[server.state]}</span>
            {server.startedAt !== undefined && server.state === 'running' && (
              <span className="muted"> since {formatDateTime(server.startedAt)}</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Host-key fingerprints</dt>
          <dd>
            <HostKeyList hostKeys={server.hostKeys} />
          </dd>
        </div>
      </dl>
      {server.error !== undefined && <ErrorText error={`The last start failed: ${server.error}`} />}
      <div className="button-row">
        <button type="button" disabled={busy || running} onClick={() => void startServer()}>
          Start
        </button>
        <button type="button" disabled={busy || !running} onClick={() => void stopServer()}>
          Stop
        </button>
      </div>
      <ErrorText error={error} />
    </Panel>
  );
}

const SESSION_COLUMNS: readonly Column[] = [
  'Account',
  'Address',
  'Client version',
  'Cipher',
  'Connected since',
  { name: 'Actions', hidden: true },
];

function SessionRow({ session }: { session: SessionView }) {
  const disconnect = useApp((s) => s.disconnectSession);
  return (
    <tr>
      <td>{session.account}</td>
      <td>
        <code>{session.address}</code>
      </td>
      <td>{session.clientVersion}</td>
      <td>
        <code>{session.cipher}</code>
      </td>
      <td>{formatDateTime(session.connectedAt)}</td>
      <RowActions
        actionKey={actionKeys.disconnect(session.id)}
        actions={[
          {
            label: 'Disconnect',
            name: `Disconnect ${session.account} from ${session.address}`,
            run: () => disconnect(session.id),
          },
        ]}
      />
    </tr>
  );
}

function SessionsPanel() {
  const sessions = useApp((s) => s.sessions);
  return (
    <Panel title="Connected sessions">
      <DataTable
        label="Connected sessions"
        columns={SESSION_COLUMNS}
        rows={sessions}
        row={(session) => <SessionRow key={session.id} session={session} />}
        empty="No one is connected. Connect with an SFTP client using the commands under Accounts."
      />
    </Panel>
  );
}

export function Overview() {
  return (
    <>
      <ViewHeader title="Overview" />
      <ServerPanel />
      <SessionsPanel />
    </>
  );
}
