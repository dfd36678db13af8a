import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { ServerMessage } from '@grid-sftp/core/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/app/app-service.js';
import { initHome } from '../../src/home/home.js';
import { startUiServer, type UiServer } from '../../src/ui-server/ui-server.js';

let dir: string;
let service: AppService;
let ui: UiServer;
let base: URL;
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grid-ui-'));
  await initHome(join(dir, 'home'), { nodes: 3, encoding: { k: 2, happy: 2, n: 3 } });
  const uiDir = join(dir, 'ui');
  await mkdir(join(uiDir, 'assets'), { recursive: true });
  await writeFile(
    join(uiDir, 'index.html'),
    '<!doctype html><title>Grid SFTP</title><script src="./assets/app.js"></script>',
  );
  await writeFile(join(uiDir, 'assets', 'app.js'), 'console.log("hi")');
  await writeFile(join(dir, 'secret.txt'), 'not for the web');
  service = await AppService.open({
    homeDir: join(dir, 'home'),
    listen: { host: '127.0.0.1', port: 0 },
    autoStart: false,
  });
  ui = await startUiServer(service, { host: '127.0.0.1', port: 0, uiDir });
  base = new URL(ui.url);
  token = base.searchParams.get('token') ?? '';
});

afterAll(async () => {
  await ui?.close();
  await service?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A raw request, so that the Host header and the path are sent exactly as given. */
function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: Number(base.port), path, method, headers: { host: base.host, ...headers } },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body, headers: response.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function open(query: string, headers: Record<string, string> = { origin: `http://${base.host}` }): WebSocket {
  return new WebSocket(`ws://${base.host}/api${query}`, { headers });
}

function refused(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('error', () => resolve(-1));
  });
}

describe('the headless UI server', () => {
  it('serves the page only with the token, then its assets by cookie', async () => {
    expect((await get('/')).status).toBe(403);
    expect((await get('/?token=wrong')).status).toBe(403);
    const page = await get(`/?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<title>Grid SFTP<\/title>/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const cookie = String(page.headers['set-cookie']).split(';')[0] ?? '';
    expect(cookie).toMatch(/^grid_sftp_ui=/);
    expect(String(page.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await get('/assets/app.js')).status).toBe(403);
    const asset = await get('/assets/app.js', { cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/text\/javascript/);
  });

  it('refuses other Host names (DNS rebinding), stray paths and methods', async () => {
    expect((await get(`/?token=${token}`, { host: 'evil.example:80' })).status).toBe(403);
    expect((await get(`/../secret.txt?token=${token}`)).status).toBe(404);
    expect((await get(`/%2e%2e/secret.txt?token=${token}`)).status).toBe(404);
    expect((await get(`/nothing.js?token=${token}`)).status).toBe(404);
    expect((await get(`/?token=${token}`, {}, 'POST')).status).toBe(405);
  });

  it('opens the bridge only with the token, the right Host and our own Origin', async () => {
    expect(await refused(open(''))).toBe(403);
    expect(await refused(open(`?token=${token}`, { origin: 'http://evil.example' }))).toBe(403);
    expect(
      await refused(open(`?token=${token}`, { host: 'evil.example', origin: `http://${base.host}` })),
    ).toBe(403);
  });

  it('answers requests by id and holds events until the client is ready', async () => {
    const socket = open(`?token=${token}`);
    const messages: ServerMessage[] = [];
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as ServerMessage));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'request', id: 1, method: 'getSnapshot', params: {} }));
    socket.send(JSON.stringify({ type: 'request', id: 2, method: 'removeAccount', params: { name: 3 } }));
    await expect.poll(() => messages.length).toBe(2);
    const byId = new Map(messages.map((m) => [m.type === 'response' ? m.id : -1, m]));
    expect(byId.get(1)).toMatchObject({
      type: 'response',
      result: { ok: true, value: { server: { state: 'stopped' } } },
    });
    expect(byId.get(2)).toMatchObject({
      result: { ok: false, error: { code: 'invalid-input', field: 'name' } },
    });

    service.log('info', 'something happened before ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(messages.filter((m) => m.type === 'event')).toHaveLength(0);
    socket.send(JSON.stringify({ type: 'ready' }));
    await expect
      .poll(() =>
        messages.some(
          (m) =>
            m.type === 'event' &&
            m.event.type === 'log' &&
            m.event.entry.message === 'something happened before ready',
        ),
      )
      .toBe(true);
    socket.close();
  });

  it('closes a socket that sends something other than the protocol', async () => {
    const socket = open(`?token=${token}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send('not json');
    expect(await closed).toBe(1003);
  });
});
