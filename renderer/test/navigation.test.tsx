// @vitest-environment jsdom
import { act, cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { renderApp } from './render-app.js';
import { handle, session } from './fixtures.js';

const NAMES = ['Overview', 'Accounts', 'Open handles', 'Pending commits', 'Storage', 'Logs'];

afterEach(cleanup);

describe('navigation', () => {
  it('names the six sections exactly, even with count badges', () => {
    renderApp('overview', { data: { sessions: [session('s1')], handles: [handle('h1')] } });
    const nav = screen.getByRole('navigation', { name: 'Sections' });
    const links = within(nav).getAllByRole('link');
    expect(links.map((link) => link.getAttribute('href'))).toEqual([
      '#/overview',
      '#/accounts',
      '#/handles',
      '#/commits',
      '#/storage',
      '#/logs',
    ]);
    for (const name of NAMES) expect(within(nav).getByRole('link', { name })).toBeTruthy();
  });

  it('shows each view under one heading of its own name, marks the link and focuses the heading', async () => {
    renderApp('logs');
    const user = userEvent.setup();
    for (const name of NAMES) {
      await user.click(screen.getByRole('link', { name }));
      const headings = screen.getAllByRole('heading', { level: 1 });
      expect(headings.map((h) => h.textContent)).toEqual([name]);
      expect(screen.getByRole('link', { name }).getAttribute('aria-current')).toBe('page');
      expect(document.activeElement).toBe(headings[0]);
    }
  });

  it('falls back to the overview for an unknown route and keeps the query', () => {
    window.history.replaceState(null, '', '/?token=abc');
    renderApp('nowhere');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Overview');
    expect(window.location.search).toBe('?token=abc');
  });

  it('shows a banner while the service is unreachable', () => {
    window.history.replaceState(null, '', '/?token=abc');
    const { store } = renderApp('overview');
    expect(screen.queryByRole('alert')).toBeNull();
    act(() => store.getState().setConnection('closed'));
    expect(screen.getByRole('alert').textContent).toMatch(/Disconnected from the Grid SFTP service/);
  });
});

describe('connection banner without a token', () => {
  it('tells where to find the address with its token', () => {
    window.history.replaceState(null, '', '/');
    const { store } = renderApp('overview');
    act(() => store.getState().setConnection('closed'));
    expect(screen.getByRole('alert').textContent).toMatch(/no access token/);
  });
});
