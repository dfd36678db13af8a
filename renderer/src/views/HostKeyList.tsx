import type { HostKeyView } from '@grid-sftp/core/api';

export function HostKeyList({ hostKeys }: { hostKeys: readonly HostKeyView[] }) {
  if (hostKeys.length === 0)
    return <span className="muted">No host key yet: it is made on first start.</span>;
  return (
    <ul className="plain-list">
      {hostKeys.map((key) => (
        <li key={key.fingerprint}>
          <span className="key-type">{key.type}</span> <code>{key.fingerprint}</code>
        </li>
      ))}
    </ul>
  );
}
