// @vitest-environment jsdom
import { act, cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handle, T0 } from './fixtures.js';
import { renderApp } from './render-app.js';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 + 10_000, toFake: ['Date'] });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('Pending commits', () => {
  it('shows a commit in progress with its bar, percent, speed and nodes', () => {
    renderApp('commits', {
      data: {
        handles: [
          handle('up', {
            path: '/big.iso',
            state: 'committing',
            commit: {
              bytesDone: 5 * 1024 * 1024,
              bytesTotal: 20 * 1024 * 1024,
              startedAt: T0 + 5_000,
              nodesWritten: 4,
            },
          }),
          handle('idle', { state: 'open' }),
        ],
      },
    });
    const table = screen.getByRole('table', { name: 'Commits in progress' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(1);
    const bar = within(table).getByRole('progressbar', { name: '/big.iso' });
    expect(bar.getAttribute('value')).toBe(String(5 * 1024 * 1024));
    expect(bar.getAttribute('max')).toBe(String(20 * 1024 * 1024));
    const cells = within(rows[0] as HTMLElement)
      .getAllByRole('cell')
      .map((cell) => cell.textContent);
    expect(cells).toContain('25%');
    expect(cells).toContain('1.00 MiB/s');
    expect(cells).toContain('4');
  });

  it('lists finished commits with their outcome word and reason', () => {
    renderApp('commits', {
      data: {
        handles: [
          handle('ok', { path: '/done.txt', state: 'committed', finishedAt: T0 + 1000 }),
          handle('bad', {
            path: '/bad.txt',
            state: 'failed',
            reason: 'only 2 of 7 nodes reachable',
            retryable: true,
          }),
          handle('gone', { path: '/gone.txt', state: 'abandoned', reason: 'connection dropped' }),
          handle('plain', { path: '/read.txt', state: 'closed' }),
        ],
      },
    });
    const table = screen.getByRole('table', { name: 'Recently finished' });
    const row = (path: string) => within(table).getByRole('row', { name: new RegExp(path) });
    expect(within(row('/done.txt')).getByText('committed')).toBeTruthy();
    expect(within(row('/bad.txt')).getByText('failed')).toBeTruthy();
    expect(row('/bad.txt').textContent).toContain('only 2 of 7 nodes reachable');
    expect(within(row('/gone.txt')).getByText('abandoned')).toBeTruthy();
    expect(within(table).queryByRole('row', { name: /read\.txt/ })).toBeNull();
    expect(within(row('/done.txt')).queryByRole('button')).toBeNull();
  });

  it('retries and discards failed commits through the api, and shows a refusal in the row', async () => {
    vi.useRealTimers();
    const { api } = renderApp('commits', {
      data: {
        handles: [
          handle('a', { path: '/a.txt', state: 'failed', retryable: true }),
          handle('b', { path: '/b.txt', state: 'failed', retryable: false }),
        ],
      },
      handlers: {
        retryCommit: () => ({ ok: true, value: null }),
        discardCommit: () => ({ ok: false, error: { code: 'conflict', message: 'Already retrying.' } }),
      },
    });
    const user = userEvent.setup();
    expect(screen.queryByRole('button', { name: 'Retry /b.txt' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Retry /a.txt' }));
    await user.click(screen.getByRole('button', { name: 'Discard /b.txt' }));
    expect(api.calls).toEqual([
      { method: 'retryCommit', params: { id: 'a' } },
      { method: 'discardCommit', params: { id: 'b' } },
    ]);
    const rowB = screen.getByRole('row', { name: /\/b\.txt/ });
    expect(within(rowB).getByRole('alert').textContent).toBe('Already retrying.');
  });
});

describe('Open handles', () => {
  it('shows open and closing handles live, with an empty state when there are none', () => {
    const { store } = renderApp('handles');
    const table = screen.getByRole('table', { name: 'Open handles' });
    expect(table.textContent).toContain('No open files.');
    act(() =>
      store.getState().applyEvent({
        type: 'handle-added',
        handle: handle('h1', { path: '/up.bin', bytesWritten: 2048, openedAt: T0 + 7_000 }),
      }),
    );
    const row = within(table).getByRole('row', { name: /\/up\.bin/ });
    const cells = within(row)
      .getAllByRole('cell')
      .map((cell) => cell.textContent);
    expect(cells).toEqual(['alice', '/up.bin', 'write, create', '0 B', '2.00 KiB', 'open', '3s']);
    act(() =>
      store.getState().applyEvent({
        type: 'handle-changed',
        handle: handle('h1', { path: '/up.bin', state: 'committing' }),
      }),
    );
    expect(within(table).queryByRole('row', { name: /\/up\.bin/ })).toBeNull();
  });
});
