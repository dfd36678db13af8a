import type { ServerView, SessionView } from '@grid-sftp/core/api';
import { ErrorText } from '../components/ErrorText.js';
import { EmptyRow } from '../components/EmptyRow.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { formatDateTime } from '../format/time.js';
import { actionKeys } from '../store/action-keys.js';
import { useApp } from '../store/store-context.js';
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
  const busy = useApp((s) => actionKeys.server in s.pending);
  const error = useApp((s) => s.errors[actionKeys.server]);
  const startServer = useApp((s) => s.startServer);
  const stopServer = useApp((s) => s.stopServer);

  if (server === null) {
    return (
      <section className="panel" aria-labelledby="server-heading">
        <h2 id="server-heading">SFTP server</h2>
        <p className="muted">Loading the server’s status…</p>
      </section>
    );
  }
  const running = server.state === 'running' || server.state === 'starting';
  return (
    <section className="panel" aria-labelledby="server-heading">
      <h2 id="server-heading">SFTP server</h2>
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
    </section>
  );
}

function SessionRow({ session }: { session: SessionView }) {
  const key = actionKeys.disconnect(session.id);
  const busy = useApp((s) => key in s.pending);
  const error = useApp((s) => s.errors[key]);
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
      <td className="actions">
        <button
          type="button"
          className="button-small"
          aria-label={`Disconnect ${session.account} from ${session.address}`}
          disabled={busy}
          onClick={() => void disconnect(session.id)}
        >
          Disconnect
        </button>
        <ErrorText error={error} />
      </td>
    </tr>
  );
}

function SessionsPanel() {
  const sessions = useApp((s) => s.sessions);
  return (
    <section className="panel" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Connected sessions</h2>
      <div className="table-wrap">
        <table aria-label="Connected sessions">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Address</th>
              <th scope="col">Client version</th>
              <th scope="col">Cipher</th>
              <th scope="col">Connected since</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.length === 0 ? (
              <EmptyRow columns={6}>
                No one is connected. Connect with an SFTP client using the commands under Accounts.
              </EmptyRow>
            ) : (
              sessions.map((session) => <SessionRow key={session.id} session={session} />)
            )}
          </tbody>
        </table>
      </div>
    </section>
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
