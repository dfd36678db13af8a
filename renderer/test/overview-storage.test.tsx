// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { account, node, server, session } from './fixtures.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

describe('Overview', () => {
  it('shows where the server listens, its host key and its sessions', async () => {
    const { api } = renderApp('overview', {
      data: { sessions: [session('s1', { account: 'alice', address: '127.0.0.1' })] },
      handlers: {
        stopServer: () => ({ ok: true, value: server({ state: 'stopped' }) }),
        disconnectSession: () => ({
          ok: false,
          error: { code: 'not-found', message: 'Session already gone.' },
        }),
      },
    });
    expect(screen.getByText('127.0.0.1:2222')).toBeTruthy();
    expect(screen.getByText('SHA256:abcdefghijklmnop')).toBeTruthy();
    const table = screen.getByRole('table', { name: 'Connected sessions' });
    const row = within(table).getByRole('row', { name: /alice/ });
    expect(row.textContent).toContain('SSH-2.0-OpenSSH_9.2');
    expect(row.textContent).toContain('aes128-gcm@openssh.com');

    const user = userEvent.setup();
    expect(screen.getByRole('button', { name: 'Start' })).toHaveProperty('disabled', true);
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    expect(screen.getByText('Stopped')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Start' })).toHaveProperty('disabled', false);

    await user.click(within(table).getByRole('button', { name: 'Disconnect alice from 127.0.0.1' }));
    expect(api.calls.map((c) => c.method)).toEqual(['stopServer', 'disconnectSession']);
    expect(within(row).getByRole('alert').textContent).toBe('Session already gone.');
  });
});

describe('Storage', () => {
  it('lists nodes with health and the encoding', () => {
    renderApp('storage', {
      data: { nodes: [node('n1'), node('n2', { ok: false, error: 'disk not mounted' })] },
    });
    const table = screen.getByRole('table', { name: 'Storage nodes' });
    expect(within(table).getByRole('row', { name: /n1/ }).textContent).toContain('ok');
    expect(within(table).getByRole('row', { name: /n2/ }).textContent).toContain(
      'unavailable disk not mounted',
    );
    const terms = screen
      .getAllByRole('term')
      .map((term) => `${term.textContent}=${term.nextElementSibling?.textContent}`);
    expect(terms).toEqual(expect.arrayContaining(['k=3', 'happy=7', 'n=10']));
  });

  it('adds a local node and starts a health job for an account', async () => {
    const { api } = renderApp('storage', {
      data: { accounts: [account('alice'), account('bob')] },
      handlers: {
        addLocalNode: ({ path }) => ({ ok: true, value: node('n3', { location: path }) }),
        startHealthJob: ({ action }) => ({
          ok: true,
          value: {
            id: 'j1',
            action,
            target: 'account bob',
            state: 'running',
            done: 2,
            total: 8,
            startedAt: 0,
            problems: [],
          },
        }),
      },
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Folder path'), '/mnt/disk/grid');
    await user.click(screen.getByRole('button', { name: 'Add node' }));
    expect(
      within(screen.getByRole('table', { name: 'Storage nodes' })).getByText('/mnt/disk/grid'),
    ).toBeTruthy();

    await user.selectOptions(screen.getByLabelText('Action'), 'verify');
    await user.selectOptions(screen.getByLabelText('Account'), 'bob');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(api.calls).toEqual([
      { method: 'addLocalNode', params: { path: '/mnt/disk/grid' } },
      { method: 'startHealthJob', params: { action: 'verify', target: { account: 'bob' } } },
    ]);
    const bar = within(screen.getByRole('list', { name: 'Health jobs' })).getByRole('progressbar');
    expect(bar.getAttribute('value')).toBe('2');
    expect(bar.getAttribute('max')).toBe('8');
  });

  it('sends a cap target when one is chosen', async () => {
    const { api } = renderApp('storage', {
      handlers: {
        startHealthJob: () => ({
          ok: false,
          error: { code: 'invalid-input', message: 'Not a cap.', field: 'target.cap' },
        }),
      },
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole('radio', { name: 'A cap' }));
    await user.type(screen.getByLabelText('Cap'), 'URI:bogus');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(api.calls[0]?.params).toEqual({ action: 'check', target: { cap: 'URI:bogus' } });
    expect(screen.getByLabelText('Cap').getAttribute('aria-invalid')).toBe('true');
  });
});
