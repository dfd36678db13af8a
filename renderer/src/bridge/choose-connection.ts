import { BRIDGE_PATH, makeApiClient, type ApiClient } from '@grid-sftp/core/api';
import type { ServiceConnection } from './connection.js';
import { createWebSocketTransport } from './websocket-transport.js';

declare global {
  interface Window {
    /** The Electron preload's client of the service, absent in a plain browser. */
    readonly grid?: ApiClient;
  }
}

/** The headless bridge's address: same host as the page, the page's token in the query. */
export function bridgeUrl(location: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const token = new URLSearchParams(location.search).get('token') ?? '';
  return `${scheme}://${location.host}${BRIDGE_PATH}?token=${encodeURIComponent(token)}`;
}

/** Electron's preload when present (always connected), otherwise the headless WebSocket bridge. */
export function chooseConnection(win: Window = window): ServiceConnection {
  const preload = win.grid;
  if (preload !== undefined) {
    return {
      client: preload,
      onStatus: (listener) => {
        listener('open');
        return () => undefined;
      },
    };
  }
  const transport = createWebSocketTransport({ url: bridgeUrl(win.location) });
  return { client: makeApiClient(transport), onStatus: (listener) => transport.onStatus(listener) };
}
