import { describe, expect, it } from 'vitest';
import { actionKeys } from '../src/store/action-keys.js';
import { createAppStore } from '../src/store/app-store.js';
import { LOG_CAP } from '../src/store/slices/logs-slice.js';
import { fakeApi } from './fake-api.js';
import { account, handle, log, node, session, snapshot } from './fixtures.js';

function loadedStore(api = fakeApi()) {
  const store = createAppStore(api.client);
  store.getState().loadSnapshot(
    snapshot({
      sessions: [session('s1')],
      handles: [handle('h1')],
      accounts: [account('alice')],
      logs: [log(1)],
    }),
  );
  return store;
}

describe('sync slice', () => {
  it('loads a snapshot into every slice', () => {
    const store = loadedStore();
    const state = store.getState();
    expect(state.loaded).toBe(true);
    expect(state.server?.port).toBe(2222);
    expect(state.sessions.map((s) => s.id)).toEqual(['s1']);
    expect(state.accounts.map((a) => a.name)).toEqual(['alice']);
    expect(state.encoding).toEqual({ k: 3, happy: 7, n: 10 });
  });

  it('replaces a changed handle in a new array and leaves the old one untouched', () => {
    const store = loadedStore();
    const before = store.getState().handles;
    store.getState().applyEvent({ type: 'handle-changed', handle: handle('h1', { bytesWritten: 42 }) });
    const after = store.getState().handles;
    expect(after).not.toBe(before);
    expect(before[0]?.bytesWritten).toBe(0);
    expect(after).toHaveLength(1);
    expect(after[0]?.bytesWritten).toBe(42);
  });

  it('adds, then removes, handles and sessions', () => {
    const store = loadedStore();
    store.getState().applyEvent({ type: 'handle-added', handle: handle('h2') });
    store.getState().applyEvent({ type: 'session-added', session: session('s2') });
    expect(store.getState().handles.map((h) => h.id)).toEqual(['h1', 'h2']);
    expect(store.getState().sessions.map((s) => s.id)).toEqual(['s1', 's2']);
    store.getState().applyEvent({ type: 'handle-removed', id: 'h1' });
    store.getState().applyEvent({ type: 'session-removed', id: 's1' });
    expect(store.getState().handles.map((h) => h.id)).toEqual(['h2']);
    expect(store.getState().sessions.map((s) => s.id)).toEqual(['s2']);
  });

  it('takes whole lists from list events as new arrays', () => {
    const store = loadedStore();
    const accounts = [account('bob')];
    const nodes = [node('n1')];
    store.getState().applyEvent({ type: 'accounts', accounts });
    store.getState().applyEvent({ type: 'nodes', nodes });
    expect(store.getState().accounts.map((a) => a.name)).toEqual(['bob']);
    expect(store.getState().accounts).not.toBe(accounts);
    expect(store.getState().nodes).toEqual(nodes);
    expect(store.getState().nodes).not.toBe(nodes);
  });

  it('upserts jobs by id', () => {
    const store = loadedStore();
    const job = {
      id: 'j1',
      action: 'check',
      target: 'account alice',
      state: 'running',
      done: 1,
      total: 4,
    } as const;
    store.getState().applyEvent({ type: 'job', job: { ...job, startedAt: 0, problems: [] } });
    store
      .getState()
      .applyEvent({ type: 'job', job: { ...job, done: 4, state: 'healthy', startedAt: 0, problems: [] } });
    expect(store.getState().jobs).toHaveLength(1);
    expect(store.getState().jobs[0]?.state).toBe('healthy');
  });
});

describe('logs slice', () => {
  it(`keeps only the newest ${LOG_CAP} entries`, () => {
    const store = loadedStore();
    for (let seq = 2; seq <= LOG_CAP + 10; seq++)
      store.getState().applyEvent({ type: 'log', entry: log(seq) });
    const logs = store.getState().logs;
    expect(logs).toHaveLength(LOG_CAP);
    expect(logs[0]?.seq).toBe(11);
    expect(logs[logs.length - 1]?.seq).toBe(LOG_CAP + 10);
  });

  it('caps a snapshot too', () => {
    const store = createAppStore(fakeApi().client);
    store
      .getState()
      .loadSnapshot(snapshot({ logs: Array.from({ length: LOG_CAP + 5 }, (_, i) => log(i + 1)) }));
    expect(store.getState().logs).toHaveLength(LOG_CAP);
    expect(store.getState().logs[0]?.seq).toBe(6);
  });

  it('skips entries already held (pushed again after a reconnect)', () => {
    const store = loadedStore();
    store.getState().applyEvent({ type: 'log', entry: log(2) });
    const before = store.getState().logs;
    store.getState().applyEvent({ type: 'log', entry: log(2) });
    store.getState().applyEvent({ type: 'log', entry: log(1) });
    expect(store.getState().logs).toBe(before);
    expect(store.getState().logs.map((e) => e.seq)).toEqual([1, 2]);
  });
});

describe('actions', () => {
  it('records a failed result under the action key and clears it on the next success', async () => {
    let fail = true;
    const api = fakeApi({
      disconnectSession: () =>
        fail
          ? { ok: false, error: { code: 'not-found', message: 'No such session.' } }
          : { ok: true, value: null },
    });
    const store = loadedStore(api);
    const key = actionKeys.disconnect('s1');

    const first = await store.getState().disconnectSession('s1');
    expect(first.ok).toBe(false);
    expect(store.getState().errors[key]?.message).toBe('No such session.');
    expect(store.getState().pending[key]).toBeUndefined();

    fail = false;
    const second = await store.getState().disconnectSession('s1');
    expect(second.ok).toBe(true);
    expect(store.getState().errors[key]).toBeUndefined();
    expect(api.calls).toEqual([
      { method: 'disconnectSession', params: { id: 's1' } },
      { method: 'disconnectSession', params: { id: 's1' } },
    ]);
  });

  it('marks an action pending while the call is in flight', async () => {
    let answer: (() => void) | undefined;
    const api = fakeApi({
      refreshNodes: () =>
        new Promise((resolve) => {
          answer = () => resolve({ ok: true, value: [node('n9')] });
        }),
    });
    const store = loadedStore(api);
    const call = store.getState().refreshNodes();
    expect(store.getState().pending[actionKeys.refreshNodes]).toBe(true);
    answer?.();
    await call;
    expect(store.getState().pending[actionKeys.refreshNodes]).toBeUndefined();
    expect(store.getState().nodes.map((n) => n.id)).toEqual(['n9']);
  });

  it('turns a transport that throws into a recorded error', async () => {
    const api = fakeApi({
      startServer: () => {
        throw new Error('socket gone');
      },
    });
    const store = loadedStore(api);
    const result = await store.getState().startServer();
    expect(result).toEqual({ ok: false, error: { code: 'internal', message: 'socket gone' } });
    expect(store.getState().errors[actionKeys.server]?.message).toBe('socket gone');
  });

  it('adds and removes accounts from the replies', async () => {
    const api = fakeApi({
      addAccount: (input) => ({ ok: true, value: account(input.name, { hasPassword: false }) }),
      removeAccount: () => ({ ok: true, value: null }),
    });
    const store = loadedStore(api);
    await store
      .getState()
      .addAccount({ name: 'bob', publicKeys: [], root: { kind: 'new' }, readOnly: false });
    expect(store.getState().accounts.map((a) => a.name)).toEqual(['alice', 'bob']);
    await store.getState().removeAccount('alice');
    expect(store.getState().accounts.map((a) => a.name)).toEqual(['bob']);
  });
});
