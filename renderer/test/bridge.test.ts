import type { AppSnapshot, ClientMessage, Result, ServerMessage } from '@grid-sftp/core/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bridgeUrl, chooseConnection } from '../src/bridge/choose-connection.js';
import type { ServiceConnection } from '../src/bridge/connection.js';
import { startBridge } from '../src/bridge/start-bridge.js';
import { createWebSocketTransport, type SocketLike } from '../src/bridge/websocket-transport.js';
import type { ConnectionStatus } from '../src/store/app-state.js';
import { createAppStore } from '../src/store/app-store.js';
import { fakeApi, type FakeApi } from './fake-api.js';
import { handle, log, snapshot } from './fixtures.js';

/** A connection whose status the test drives, over the fake service. */
function fakeConnection(api: FakeApi) {
  const listeners = new Set<(status: ConnectionStatus) => void>();
  let status: ConnectionStatus = 'connecting';
  const connection: ServiceConnection = {
    client: api.client,
    onStatus: (listener) => {
      listeners.add(listener);
      listener(status);
      return () => listeners.delete(listener);
    },
  };
  const setStatus = (next: ConnectionStatus): void => {
    status = next;
    for (const listener of listeners) listener(next);
  };
  return { connection, setStatus };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('startBridge', () => {
  it('loads the snapshot once connected, then says ready, then applies events', async () => {
    const api = fakeApi({ getSnapshot: () => ({ ok: true, value: snapshot({ logs: [log(1)] }) }) });
    const { connection, setStatus } = fakeConnection(api);
    const store = createAppStore(api.client);
    startBridge(connection, store);
    expect(store.getState().connection).toBe('connecting');
    expect(api.calls).toHaveLength(0);

    setStatus('open');
    await flush();
    expect(store.getState().loaded).toBe(true);
    expect(api.readyCount()).toBe(1);

    api.emit({ type: 'handle-added', handle: handle('h1') });
    expect(store.getState().handles.map((h) => h.id)).toEqual(['h1']);
  });

  it('reloads the snapshot on every reconnect and shows the connection state', async () => {
    let version = 0;
    const api = fakeApi({
      getSnapshot: () => {
        version++;
        return { ok: true, value: snapshot({ handles: [handle(`v${version}`)] }) };
      },
    });
    const { connection, setStatus } = fakeConnection(api);
    const store = createAppStore(api.client);
    startBridge(connection, store);
    setStatus('open');
    await flush();
    setStatus('closed');
    expect(store.getState().connection).toBe('closed');
    setStatus('open');
    await flush();
    expect(store.getState().connection).toBe('open');
    expect(store.getState().handles.map((h) => h.id)).toEqual(['v2']);
    expect(api.readyCount()).toBe(2);
  });

  it('drops a snapshot whose connection closed while it was loading', async () => {
    let answer: ((result: Result<AppSnapshot>) => void) | undefined;
    const api = fakeApi({ getSnapshot: () => new Promise((resolve) => (answer = resolve)) });
    const { connection, setStatus } = fakeConnection(api);
    const store = createAppStore(api.client);
    startBridge(connection, store);
    setStatus('open');
    setStatus('closed');
    answer?.({ ok: true, value: snapshot() });
    await flush();
    expect(store.getState().loaded).toBe(false);
    expect(api.readyCount()).toBe(0);
  });

  it('records a snapshot that fails to load', async () => {
    const api = fakeApi({
      getSnapshot: () => ({ ok: false, error: { code: 'internal', message: 'grid is locked' } }),
    });
    const { connection, setStatus } = fakeConnection(api);
    const store = createAppStore(api.client);
    startBridge(connection, store);
    setStatus('open');
    await flush();
    expect(store.getState().loadError?.message).toBe('grid is locked');
    expect(api.readyCount()).toBe(0);
  });

  it('stops listening when stopped', () => {
    const api = fakeApi();
    const { connection } = fakeConnection(api);
    const stop = startBridge(connection, createAppStore(api.client));
    expect(api.listenerCount()).toBe(1);
    stop();
    expect(api.listenerCount()).toBe(0);
  });
});

/** A WebSocket stand-in: the test opens, answers and drops it. */
class FakeSocket implements SocketLike {
  static opened: FakeSocket[] = [];
  readyState = 0;
  sent: ClientMessage[] = [];
  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close(): void {
    this.drop();
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(message: ServerMessage): void {
    this.onmessage?.({ data: JSON.stringify(message) } as MessageEvent);
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({} as CloseEvent);
  }
}

function lastSocket(): FakeSocket {
  const socket = FakeSocket.opened[FakeSocket.opened.length - 1];
  if (socket === undefined) throw new Error('no socket opened');
  return socket;
}

describe('WebSocket transport', () => {
  afterEach(() => {
    FakeSocket.opened = [];
    vi.useRealTimers();
  });

  const open = () =>
    createWebSocketTransport({
      url: 'ws://127.0.0.1:8080/api?token=t',
      openSocket: (url) => new FakeSocket(url),
      initialDelayMs: 100,
      maxDelayMs: 400,
    });

  it('matches responses to requests by id and fans out events', async () => {
    const transport = open();
    const socket = lastSocket();
    socket.open();
    const first = transport.call('stopServer', {});
    const second = transport.call('disconnectSession', { id: 's1' });
    expect(socket.sent).toEqual([
      { type: 'request', id: 1, method: 'stopServer', params: {} },
      { type: 'request', id: 2, method: 'disconnectSession', params: { id: 's1' } },
    ]);
    socket.receive({ type: 'response', id: 2, result: { ok: true, value: null } });
    socket.receive({
      type: 'response',
      id: 1,
      result: { ok: false, error: { code: 'conflict', message: 'busy' } },
    });
    expect(await second).toEqual({ ok: true, value: null });
    expect(await first).toEqual({ ok: false, error: { code: 'conflict', message: 'busy' } });

    const events: string[] = [];
    transport.subscribe((event) => events.push(event.type));
    socket.receive({ type: 'event', event: { type: 'handle-removed', id: 'h1' } });
    expect(events).toEqual(['handle-removed']);

    transport.ready();
    expect(socket.sent[socket.sent.length - 1]).toEqual({ type: 'ready' });
  });

  it('ignores frames that are not messages', () => {
    const transport = open();
    const socket = lastSocket();
    socket.open();
    const events: unknown[] = [];
    transport.subscribe((event) => events.push(event));
    socket.onmessage?.({ data: 'not json' } as MessageEvent);
    socket.onmessage?.({ data: '{"type":"other"}' } as MessageEvent);
    expect(events).toEqual([]);
  });

  it('fails calls at once while disconnected, and those in flight when the socket drops', async () => {
    const transport = open();
    const early = await transport.call('startServer', {});
    expect(early.ok ? null : early.error.code).toBe('unavailable');
    lastSocket().open();
    const inFlight = transport.call('startServer', {});
    lastSocket().drop();
    const result = await inFlight;
    expect(result.ok ? null : result.error.code).toBe('unavailable');
    transport.close();
  });

  it('reconnects with a growing delay and reports each state', () => {
    vi.useFakeTimers();
    const transport = open();
    const states: ConnectionStatus[] = [];
    transport.onStatus((status) => states.push(status));
    lastSocket().open();
    lastSocket().drop();
    expect(FakeSocket.opened).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(FakeSocket.opened).toHaveLength(2);
    lastSocket().drop();
    vi.advanceTimersByTime(100);
    expect(FakeSocket.opened).toHaveLength(2);
    vi.advanceTimersByTime(100);
    expect(FakeSocket.opened).toHaveLength(3);
    lastSocket().open();
    expect(states).toEqual(['connecting', 'open', 'closed', 'open']);
    transport.close();
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.opened).toHaveLength(3);
  });
});

describe('choosing the connection', () => {
  it('builds the bridge URL from the page, keeping its token', () => {
    expect(bridgeUrl({ protocol: 'http:', host: '127.0.0.1:8080', search: '?token=a%2Bb' })).toBe(
      'ws://127.0.0.1:8080/api?token=a%2Bb',
    );
    expect(bridgeUrl({ protocol: 'https:', host: 'nas.local', search: '' })).toBe(
      'wss://nas.local/api?token=',
    );
  });

  it("uses the Electron preload's client when there is one", () => {
    const api = fakeApi();
    const win = { grid: api.client } as unknown as Window;
    const connection = chooseConnection(win);
    expect(connection.client).toBe(api.client);
    const states: ConnectionStatus[] = [];
    connection.onStatus((status) => states.push(status));
    expect(states).toEqual(['open']);
  });
});
