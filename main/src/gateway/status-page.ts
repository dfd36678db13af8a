import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The web address `serve` prints on its `UI:` line. Until the React UI lands (issue 5) it serves
 * one plain status page. Already here: a random token in the URL, checked in constant time, and
 * a Host header that must name the loopback address it listens on (no DNS rebinding).
 */
export interface StatusPage {
  readonly url: string;
  close(): Promise<void>;
}

export async function startStatusPage(host: string, port: number, status: () => string): Promise<StatusPage> {
  const token = randomBytes(24).toString('base64url');
  // Known once listening; the handler runs only after that.
  const bound: { port?: number } = {};
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const given = Buffer.from(url.searchParams.get('token') ?? '');
    const expected = Buffer.from(token);
    const hostOk = bound.port !== undefined && request.headers.host === `${host}:${bound.port}`;
    if (!hostOk || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('Forbidden\n');
      return;
    }
    response
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-frame-options': 'DENY',
      })
      .end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Grid SFTP</title></head>` +
          `<body><main><h1>Grid SFTP</h1><pre>${escapeHtml(status())}</pre></main></body></html>\n`,
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  bound.port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound.port}/?token=${token}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
