import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { BRIDGE_PATH } from '@grid-sftp/core/api';
import type { AppService } from '../app/app-service.js';
import { UiAccess } from './access.js';
import { serveBridge } from './bridge-connection.js';
import { SECURITY_HEADERS, sendStatic } from './static-files.js';

export interface UiServer {
  /** The address with its token: what `serve` prints on its `UI:` line. */
  readonly url: string;
  close(): Promise<void>;
}

/** Where the built UI is (renderer/ui-dist, made by `npm run build`). */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../../renderer/ui-dist', import.meta.url));
}

/**
 * Headless mode (DESIGN §5): the built React UI and a WebSocket bridge to the same AppService
 * the desktop app uses, on loopback, behind a random token. `ws` carries the WebSocket: the
 * well-kept standard for Node, with payload limits and no native parts.
 */
export async function startUiServer(
  service: AppService,
  options: { host: string; port: number; uiDir?: string },
): Promise<UiServer> {
  const uiDir = options.uiDir ?? defaultUiDir();
  const token = randomBytes(24).toString('base64url');
  // Known once listening; no request is handled before that.
  const bound: { hostHeader?: string } = {};
  const access = new UiAccess(token, () => bound.hostHeader);
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });

  const server = createServer((request, response) => void handle(request, response));
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!access.allowed(request)) return forbidden(response);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(request.url ?? '/', 'http://placeholder').pathname;
    // The first load carries the token in its URL; the page's assets then ride on the cookie.
    if (access.tokenInQuery(request)) response.setHeader('set-cookie', access.cookieHeader());
    if (!existsSync(uiDir)) {
      response
        .writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
        .end(`The UI is not built (no ${uiDir}). Run: npm run build\n`);
      return;
    }
    if (await sendStatic(uiDir, path, response)) return;
    response
      .writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
      .end('Not found\n');
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://placeholder').pathname;
    if (path !== BRIDGE_PATH || !access.allowed(request) || !access.originAllowed(request)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) =>
      serveBridge(ws, service, (message) => service.log('warn', message)),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const hostHeader = `${shownHost}:${port}`;
  bound.hostHeader = hostHeader;
  return {
    url: `http://${hostHeader}/?token=${token}`,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function forbidden(response: ServerResponse): void {
  response
    .writeHead(403, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
    .end('Forbidden: open the UI with the address (and token) that grid-sftp serve printed.\n');
}
