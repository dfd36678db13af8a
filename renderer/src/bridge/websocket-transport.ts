import type {
  ApiError,
  ApiTransport,
  AppEvent,
  ClientMessage,
  Result,
  ServerMessage,
} from '@grid-sftp/core/api';
import type { ConnectionStatus } from '../store/app-state.js';

/** The parts of the browser's WebSocket the transport uses, so tests can hand in a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
}

export interface WebSocketTransportOptions {
  readonly url: string;
  readonly openSocket?: (url: string) => SocketLike;
  /** First delay before reconnecting; doubles per failed attempt up to maxDelayMs. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface WebSocketTransport extends ApiTransport {
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Closes for good: no reconnect. */
  close(): void;
}

const OPEN = 1;

const notConnected: ApiError = {
  code: 'unavailable',
  message: 'Not connected to the Grid SFTP service. Reconnecting…',
};

function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const message = JSON.parse(data) as unknown;
    if (typeof message !== 'object' || message === null) return null;
    const type = (message as { type?: unknown }).type;
    return type === 'response' || type === 'event' ? (message as ServerMessage) : null;
  } catch {
    return null;
  }
}

/**
 * The headless bridge's client side: request ids matched to responses, events fanned out to
 * listeners, and a reconnect with backoff whenever the socket drops. Calls made while
 * disconnected fail at once with `unavailable` rather than hang.
 */
export function createWebSocketTransport(options: WebSocketTransportOptions): WebSocketTransport {
  const openSocket = options.openSocket ?? ((url: string) => new WebSocket(url));
  const initialDelay = options.initialDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 10_000;

  const pending = new Map<number, (result: Result<unknown>) => void>();
  const eventListeners = new Set<(event: AppEvent) => void>();
  const statusListeners = new Set<(status: ConnectionStatus) => void>();
  let status: ConnectionStatus = 'connecting';
  let socket: SocketLike | null = null;
  let nextId = 1;
  let delay = initialDelay;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closedForGood = false;

  const setStatus = (next: ConnectionStatus): void => {
    if (next === status) return;
    status = next;
    for (const listener of statusListeners) listener(next);
  };

  const send = (message: ClientMessage): boolean => {
    if (socket === null || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  };

  const failPending = (): void => {
    const waiting = [...pending.values()];
    pending.clear();
    for (const resolve of waiting) resolve({ ok: false, error: notConnected });
  };

  const scheduleReconnect = (): void => {
    if (closedForGood || retryTimer !== undefined) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect();
    }, delay);
    delay = Math.min(delay * 2, maxDelay);
  };

  const connect = (): void => {
    let current: SocketLike;
    try {
      current = openSocket(options.url);
    } catch {
      setStatus('closed');
      scheduleReconnect();
      return;
    }
    socket = current;
    current.onopen = () => {
      delay = initialDelay;
      setStatus('open');
    };
    current.onmessage = (event) => {
      const message = parseServerMessage(event.data);
      if (message === null) return;
      if (message.type === 'response') {
        const resolve = pending.get(message.id);
        pending.delete(message.id);
        resolve?.(message.result);
      } else {
        for (const listener of eventListeners) listener(message.event);
      }
    };
    // An error is always followed by close; reconnecting is handled there, once.
    current.onerror = () => undefined;
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
      failPending();
      setStatus('closed');
      scheduleReconnect();
    };
  };

  connect();

  return {
    call: (method, params) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        if (!send({ type: 'request', id, method, params })) {
          pending.delete(id);
          resolve({ ok: false, error: notConnected });
        }
      }),
    subscribe: (listener) => {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    ready: () => {
      send({ type: 'ready' });
    },
    onStatus: (listener) => {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
    close: () => {
      closedForGood = true;
      clearTimeout(retryTimer);
      const current = socket;
      socket = null;
      current?.close();
      failPending();
      setStatus('closed');
    },
  };
}
