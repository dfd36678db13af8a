// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { log } from './fixtures.js';
import { renderApp } from './render-app.js';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  Reflect.deleteProperty(URL, 'createObjectURL');
  Reflect.deleteProperty(URL, 'revokeObjectURL');
});

const ENTRIES = [
  log(1, { level: 'debug', message: 'handshake details' }),
  log(2, { level: 'info', message: 'alice logged in from 127.0.0.1' }),
  log(3, { level: 'warn', message: 'node n2 slow' }),
  log(4, { level: 'error', message: 'commit of /x failed' }),
  log(5, { level: 'info', message: 'bob logged in from 10.0.0.2' }),
];

const messages = () =>
  within(screen.getByRole('log', { name: 'Log entries' }))
    .queryAllByRole('listitem')
    .map((item) => item.querySelector('.log-message')?.textContent);

describe('Logs', () => {
  it('filters by least level and searches the message', async () => {
    renderApp('logs', { data: { logs: ENTRIES } });
    const user = userEvent.setup();
    expect(messages()).toHaveLength(5);

    await user.selectOptions(screen.getByLabelText('Level'), 'warn');
    expect(messages()).toEqual(['node n2 slow', 'commit of /x failed']);

    await user.selectOptions(screen.getByLabelText('Level'), 'info');
    await user.type(screen.getByLabelText('Search'), 'LOGGED IN');
    expect(messages()).toEqual(['alice logged in from 127.0.0.1', 'bob logged in from 10.0.0.2']);

    await user.clear(screen.getByLabelText('Search'));
    await user.type(screen.getByLabelText('Search'), 'nothing like this');
    expect(messages()).toEqual([]);
    expect(screen.getByRole('log').textContent).toContain('No entries match');
  });

  it('appends live entries', () => {
    const { store } = renderApp('logs', { data: { logs: ENTRIES } });
    act(() => store.getState().applyEvent({ type: 'log', entry: log(6, { message: 'carol logged in' }) }));
    expect(messages().at(-1)).toBe('carol logged in');
  });

  it('follows new entries only while scrolled to the bottom', () => {
    const { store } = renderApp('logs', { data: { logs: ENTRIES } });
    const box = screen.getByRole('log', { name: 'Log entries' });
    // jsdom has no layout: give the box a size and a scroll position that can be read back.
    let scrollTop = 0;
    Object.defineProperty(box, 'scrollHeight', { get: () => 1000 });
    Object.defineProperty(box, 'clientHeight', { get: () => 200 });
    Object.defineProperty(box, 'scrollTop', { get: () => scrollTop, set: (v: number) => (scrollTop = v) });

    scrollTop = 100;
    fireEvent.scroll(box);
    act(() => store.getState().applyEvent({ type: 'log', entry: log(6) }));
    expect(scrollTop).toBe(100);

    scrollTop = 800;
    fireEvent.scroll(box);
    act(() => store.getState().applyEvent({ type: 'log', entry: log(7) }));
    expect(scrollTop).toBe(1000);
  });

  it('exports the filtered entries as a text file', async () => {
    const blobs: Blob[] = [];
    const createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return 'blob:fake';
    });
    // jsdom has no object URLs; these two are removed again after each test.
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    renderApp('logs', { data: { logs: ENTRIES } });
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Level'), 'error');
    await user.click(screen.getByRole('button', { name: 'Export' }));

    expect(clicked).toHaveLength(1);
    expect(clicked[0]).toMatch(/^grid-sftp-log-.*\.txt$/);
    const text = await blobs[0]?.text();
    expect(text).toBe(`${new Date(ENTRIES[3]?.time ?? 0).toISOString()} ERROR commit of /x failed\n`);
  });

  it('says what will appear when there are no entries yet', () => {
    renderApp('logs');
    expect(screen.getByRole('log').textContent).toContain('No log entries yet.');
    expect(screen.getByRole('button', { name: 'Export' })).toHaveProperty('disabled', true);
  });
});
