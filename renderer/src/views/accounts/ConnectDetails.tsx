import type { AccountView } from '@grid-sftp/core/api';
import { CopyCommand } from '../../components/CopyCommand.js';
import { useApp } from '../../store/store-context.js';
import { HostKeyList } from '../HostKeyList.js';
import { sftpCommand, sshfsCommand } from '../server-address.js';

/** How to reach the grid as this account, and the host key to expect on first connect. */
export function ConnectDetails({ account }: { account: AccountView }) {
  const server = useApp((s) => s.server);
  if (server === null) return <p className="muted">Waiting for the server’s address…</p>;
  const pageHost = window.location.hostname;
  return (
    <div className="connect-details">
      <CopyCommand
        label={`sftp command for ${account.name}`}
        command={sftpCommand(account.name, server, pageHost)}
      />
      <CopyCommand
        label={`sshfs command for ${account.name}`}
        command={sshfsCommand(account.name, server, pageHost)}
      />
      <div className="fingerprints">
        <p>On first connect, check that the server’s host key fingerprint is one of:</p>
        <HostKeyList hostKeys={server.hostKeys} />
      </div>
      {account.keys.length > 0 && (
        <div className="fingerprints">
          <p>Keys that can log in as {account.name}:</p>
          <ul className="plain-list">
            {account.keys.map((key) => (
              <li key={key.fingerprint}>
                <span className="key-type">{key.type}</span> <code>{key.fingerprint}</code>
                {key.comment !== '' && <span className="muted"> {key.comment}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
