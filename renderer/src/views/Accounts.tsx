import { ViewHeader } from '../components/ViewHeader.js';
import { AccountsTable } from './accounts/AccountsTable.js';
import { AddAccountForm } from './accounts/AddAccountForm.js';

export function Accounts() {
  return (
    <>
      <ViewHeader title="Accounts" />
      <AccountsTable />
      <AddAccountForm />
    </>
  );
}
