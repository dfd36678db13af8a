import type { AccountView } from '@grid-sftp/core/api';
import { useState } from 'react';
import { DataTable, type Column } from '../../components/DataTable.js';
import { Panel } from '../../components/Panel.js';
import { StatusText } from '../../components/StatusText.js';
import { formatDateTime } from '../../format/time.js';
import { useApp } from '../../store/store-context.js';
import { ConnectDetails } from './ConnectDetails.js';
import { EditAccountForm } from './EditAccountForm.js';
import { loginMethods } from './login-methods.js';
import { RemoveAccount } from './RemoveAccount.js';

const COLUMNS: readonly Column[] = [
  'Name',
  'Login methods',
  'Read-only',
  'Created',
  { name: 'Actions', hidden: true },
];

type Open = { name: string; panel: 'connect' | 'edit' } | null;

function AccountRows({
  account,
  open,
  setOpen,
  announce,
}: {
  account: AccountView;
  open: Open;
  setOpen: (open: Open) => void;
  announce: (message: string) => void;
}) {
  const panel = open?.name === account.name ? open.panel : null;
  const panelId = `account-panel-${account.name}`;
  const toggle = (which: 'connect' | 'edit'): void =>
    setOpen(panel === which ? null : { name: account.name, panel: which });
  const created = Date.parse(account.createdAt);
  return (
    <>
      <tr>
        <th scope="row">{account.name}</th>
        <td>{loginMethods(account)}</td>
        <td>{account.readOnly ? 'Yes' : 'No'}</td>
        <td>
          <time dateTime={account.createdAt}>{formatDateTime(created)}</time>
        </td>
        <td className="actions">
          <button
            type="button"
            className="button-small"
            aria-expanded={panel === 'connect'}
            aria-controls={panel === 'connect' ? panelId : undefined}
            aria-label={`How to connect as ${account.name}`}
            onClick={() => toggle('connect')}
          >
            Connect
          </button>
          <button
            type="button"
            className="button-small"
            aria-expanded={panel === 'edit'}
            aria-controls={panel === 'edit' ? panelId : undefined}
            aria-label={`Edit ${account.name}`}
            onClick={() => toggle('edit')}
          >
            Edit
          </button>
          <RemoveAccount name={account.name} />
        </td>
      </tr>
      {panel !== null && (
        <tr className="detail-row">
          <td colSpan={COLUMNS.length} id={panelId}>
            {panel === 'connect' ? (
              <ConnectDetails account={account} />
            ) : (
              <EditAccountForm
                account={account}
                onDone={(message) => {
                  setOpen(null);
                  if (message !== null) announce(message);
                }}
              />
            )}
          </td>
        </tr>
      )}
    </>
  );
}

export function AccountsTable() {
  const accounts = useApp((s) => s.accounts);
  const [open, setOpen] = useState<Open>(null);
  const [announcement, setAnnouncement] = useState('');
  return (
    <Panel title="All accounts">
      <DataTable
        label="Accounts"
        columns={COLUMNS}
        rows={accounts}
        row={(account) => (
          <AccountRows
            key={account.name}
            account={account}
            open={open}
            setOpen={setOpen}
            announce={setAnnouncement}
          />
        )}
        empty="No accounts yet. Add one below to let an SFTP client log in."
      />
      <StatusText message={announcement} />
    </Panel>
  );
}
