import type { WebSocket } from 'ws';
import type { AppEvent, ServerMessage } from '@grid-sftp/core/api';
import type { AppService } from '../app/app-service.js';

/** Past this many held events, or this many unsent bytes, a client is too far behind: it must reload. */
const MAX_HELD_EVENTS = 10_000;
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/**
 * One browser tab on the bridge. Requests go to the service as they come (many may be in
 * flight; each answer carries its request id). Events are held from the moment the socket opens
 * until the client says `ready` — it loads its snapshot first, and anything that changed between
 * that snapshot and `ready` is then delivered rather than lost.
 */
export function serveBridge(socket: WebSocket, service: AppService, log: (message: string) => void): void {
  let held: AppEvent[] | undefined = [];
  const send = (message: ServerMessage): void => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(1013, 'too far behind; reload');
      return;
    }
    socket.send(JSON.stringify(message));
  };
  const unsubscribe = service.subscribe((event) => {
    if (held === undefined) return send({ type: 'event', event });
    held.push(event);
    if (held.length > MAX_HELD_EVENTS) socket.close(1013, 'too far behind; reload');
  });
  socket.on('close', unsubscribe);
  socket.on('error', () => socket.terminate());
  socket.on('message', (data, isBinary) => {
    const message = isBinary ? undefined : parse(Buffer.from(data as Buffer).toString('utf8'));
    if (message === undefined) {
      socket.close(1003, 'messages are JSON text frames of the bridge protocol');
      return;
    }
    if (message.type === 'ready') {
      const pending = held ?? [];
      held = undefined;
      for (const event of pending) send({ type: 'event', event });
      return;
    }
    const { id, method, params } = message;
    service
      .call(method as never, params)
      .then((result) => send({ type: 'response', id, result }))
      .catch((error: unknown) => log(`bridge: ${String(error)}`));
  });
}

type Parsed = { type: 'ready' } | { type: 'request'; id: number; method: string; params: unknown };

/** Only the shape is checked here; the service validates the method and its parameters. */
function parse(text: string): Parsed | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.type === 'ready') return { type: 'ready' };
  if (
    record.type === 'request' &&
    typeof record.id === 'number' &&
    Number.isSafeInteger(record.id) &&
    typeof record.method === 'string'
  )
    return { type: 'request', id: record.id, method: record.method, params: record.params };
  return undefined;
}
