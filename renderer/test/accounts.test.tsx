// @vitest-environment jsdom
import type { AccountInput } from '@grid-sftp/core/api';
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { account } from './fixtures.js';
import type { FakeHandlers } from './fake-api.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrid bob@laptop';

type AddAccount = NonNullable<FakeHandlers['addAccount']>;

/** The Accounts view, its Add account form, and a user to fill it; the service answers with `addAccount`. */
function openAddAccount(addAccount: AddAccount) {
  const { api } = renderApp('accounts', { handlers: { addAccount } });
  return { api, user: userEvent.setup(), form: screen.getByRole('form', { name: 'Add account' }) };
}

const added: AddAccount = (input) => ({ ok: true, value: account(input.name) });

describe('Add account form', () => {
  it('submits the AccountInput the fields describe, then clears and announces', async () => {
    const { api, user, form } = openAddAccount(added);
    await user.type(within(form).getByLabelText('Name'), 'bob');
    await user.type(within(form).getByLabelText('Password'), 's3cret');
    await user.click(within(form).getByLabelText('Public keys'));
    await user.paste(`${KEY}\n\n`);
    await user.click(within(form).getByRole('radio', { name: 'Existing cap' }));
    await user.type(within(form).getByLabelText('Cap'), 'URI:DIR2:abc:def');
    await user.click(within(form).getByRole('checkbox', { name: 'Read-only' }));
    await user.click(within(form).getByRole('button', { name: 'Add account' }));

    const expected: AccountInput = {
      name: 'bob',
      password: 's3cret',
      publicKeys: [KEY],
      root: { kind: 'cap', cap: 'URI:DIR2:abc:def' },
      readOnly: true,
    };
    expect(api.calls).toEqual([{ method: 'addAccount', params: expected }]);
    expect(within(form).getByRole('status').textContent).toBe('Account bob added.');
    expect(within(form).getByLabelText('Name')).toHaveProperty('value', '');
    expect(
      within(screen.getByRole('table', { name: 'Accounts' })).getByRole('rowheader', { name: 'bob' }),
    ).toBeTruthy();
  });

  it('leaves the password out when empty and asks for a new root by default', async () => {
    const { api, user, form } = openAddAccount(added);
    await user.type(within(form).getByLabelText('Name'), 'carol');
    await user.click(within(form).getByRole('button', { name: 'Add account' }));
    expect(api.calls[0]?.params).toEqual({
      name: 'carol',
      publicKeys: [],
      root: { kind: 'new' },
      readOnly: false,
    });
  });

  it('shows a field error beside its field and keeps what was typed', async () => {
    const { user, form } = openAddAccount(() => ({
      ok: false,
      error: { code: 'invalid-input', message: 'Not an OpenSSH public key.', field: 'publicKeys.0' },
    }));
    await user.type(within(form).getByLabelText('Name'), 'dave');
    await user.type(within(form).getByLabelText('Public keys'), 'not a key');
    await user.click(within(form).getByRole('button', { name: 'Add account' }));

    const keys = within(form).getByLabelText('Public keys');
    expect(keys.getAttribute('aria-invalid')).toBe('true');
    expect(keys).toHaveProperty('value', 'not a key');
    const describedBy = (keys.getAttribute('aria-describedby') ?? '').split(' ');
    const messages = describedBy.map((id) => document.getElementById(id)?.textContent);
    expect(messages).toContain('Not an OpenSSH public key.');
    expect(within(form).getByLabelText('Name').getAttribute('aria-invalid')).toBeNull();
    expect(within(form).getByRole('status').textContent).toBe('');
  });
});

describe('account list', () => {
  it('removes an account only after confirmation', async () => {
    const { api } = renderApp('accounts', {
      data: { accounts: [account('alice'), account('bob')] },
      handlers: { removeAccount: () => ({ ok: true, value: null }) },
    });
    const user = userEvent.setup();
    const table = screen.getByRole('table', { name: 'Accounts' });

    await user.click(within(table).getByRole('button', { name: 'Remove alice' }));
    expect(within(table).getByText('Remove alice?')).toBeTruthy();
    await user.click(within(table).getByRole('button', { name: 'Cancel' }));
    expect(api.calls).toEqual([]);
    expect(document.activeElement).toBe(within(table).getByRole('button', { name: 'Remove alice' }));

    await user.click(within(table).getByRole('button', { name: 'Remove alice' }));
    await user.click(within(table).getByRole('button', { name: 'Confirm' }));
    expect(api.calls).toEqual([{ method: 'removeAccount', params: { name: 'alice' } }]);
    expect(within(table).queryByRole('rowheader', { name: 'alice' })).toBeNull();
    expect(within(table).getByRole('rowheader', { name: 'bob' })).toBeTruthy();
  });

  it('shows copyable sftp and sshfs commands and the host fingerprint', async () => {
    renderApp('accounts', { data: { accounts: [account('alice')] } });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'How to connect as alice' }));
    expect(screen.getByText('sftp -P 2222 alice@127.0.0.1')).toBeTruthy();
    expect(
      screen.getByText('sshfs -p 2222 alice@127.0.0.1:/ ~/grid -o reconnect,ServerAliveInterval=15'),
    ).toBeTruthy();
    expect(screen.getAllByText('SHA256:abcdefghijklmnop').length).toBeGreaterThan(0);

    await user.click(screen.getByRole('button', { name: 'Copy sftp command for alice' }));
    expect(await navigator.clipboard.readText()).toBe('sftp -P 2222 alice@127.0.0.1');
  });

  it('starts a key replacement from the keys the account has', async () => {
    const key = { type: 'ssh-ed25519', fingerprint: 'SHA256:x', comment: 'bob@laptop', line: KEY };
    const { api } = renderApp('accounts', {
      data: { accounts: [account('alice', { keys: [key] })] },
      handlers: { updateAccount: (update) => ({ ok: true, value: account(update.name) }) },
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Edit alice' }));
    const form = screen.getByRole('form', { name: 'Edit alice' });
    await user.click(within(form).getByRole('checkbox', { name: 'Replace public keys' }));
    const keys = within(form).getByLabelText('Public keys');
    expect(keys).toHaveProperty('value', KEY);
    await user.click(keys);
    await user.keyboard('{End}{Enter}');
    await user.paste('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAnother alice@desk');
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    expect(api.calls).toEqual([
      {
        method: 'updateAccount',
        params: {
          name: 'alice',
          publicKeys: [KEY, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAnother alice@desk'],
        },
      },
    ]);
  });

  it('sends only what the edit form changed', async () => {
    const { api } = renderApp('accounts', {
      data: { accounts: [account('alice')] },
      handlers: {
        updateAccount: (update) => ({ ok: true, value: account(update.name, { readOnly: true }) }),
      },
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Edit alice' }));
    const form = screen.getByRole('form', { name: 'Edit alice' });
    await user.click(within(form).getByRole('checkbox', { name: 'Remove password' }));
    await user.click(within(form).getByRole('checkbox', { name: /Make read-only/ }));
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    expect(api.calls).toEqual([
      { method: 'updateAccount', params: { name: 'alice', password: null, readOnly: true } },
    ]);
    expect(screen.queryByRole('form', { name: 'Edit alice' })).toBeNull();
    expect(screen.getByText('Account alice updated.')).toBeTruthy();
  });
});
