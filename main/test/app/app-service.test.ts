import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { AppEvent, AccountView } from '@grid-sftp/core/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/app/app-service.js';
import { initHome, openHome } from '../../src/home/home.js';
import { ed25519Line } from '../helpers/ssh-keys.js';

let dir: string;
let service: AppService;
const events: AppEvent[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grid-app-'));
  await initHome(join(dir, 'home'), { nodes: 5, encoding: { k: 3, happy: 4, n: 5 } });
  service = await AppService.open({ homeDir: join(dir, 'home'), listen: { host: '127.0.0.1', port: 0 } });
  service.subscribe((event) => events.push(event));
});

afterAll(async () => {
  await service?.close();
  await rm(dir, { recursive: true, force: true });
});

function nextEvent<T extends AppEvent['type']>(
  type: T,
  predicate: (event: Extract<AppEvent, { type: T }>) => boolean = () => true,
): Promise<Extract<AppEvent, { type: T }>> {
  return new Promise((resolve) => {
    const stop = service.subscribe((event) => {
      if (event.type === type && predicate(event as Extract<AppEvent, { type: T }>)) {
        stop();
        resolve(event as Extract<AppEvent, { type: T }>);
      }
    });
  });
}

describe('AppService', () => {
  it('starts the gateway and gives a snapshot without secrets', async () => {
    const snapshot = await service.request('getSnapshot', {});
    expect(snapshot.ok).toBe(true);
    if (!snapshot.ok) return;
    expect(snapshot.value.server.state).toBe('running');
    expect(snapshot.value.server.port).toBeGreaterThan(0);
    expect(snapshot.value.server.hostKeys.map((k) => k.type)).toEqual(['ed25519', 'ecdsa', 'rsa']);
    expect(snapshot.value.nodes).toHaveLength(5);
    expect(snapshot.value.nodes.every((n) => n.ok && (n.totalBytes ?? 0) > 0)).toBe(true);
    expect(snapshot.value.encoding).toEqual({ k: 3, happy: 4, n: 5 });
    expect(JSON.stringify(snapshot.value)).not.toMatch(/gs1-/);
  });

  it('validates every input: unknown methods, stray fields, wrong types', async () => {
    expect(await service.call('nope' as never, {})).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    expect(await service.call('getSnapshot', { extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    expect(await service.call('addAccount', { name: 7 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', field: 'name' },
    });
    expect(await service.call('removeAccount', null)).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
  });

  it('adds, changes and removes accounts, naming the field of each refusal', async () => {
    const bad = (params: unknown) => service.call('addAccount', params);
    const base = {
      name: 'alice',
      password: 'correct horse',
      publicKeys: [],
      root: { kind: 'new' as const },
      readOnly: false,
    };
    expect(await bad({ ...base, name: '9lives' })).toMatchObject({ ok: false, error: { field: 'name' } });
    expect(await bad({ ...base, password: '' })).toMatchObject({ ok: false, error: { field: 'password' } });
    expect(await bad({ ...base, publicKeys: ['ssh-ed25519 notbase64!'] })).toMatchObject({
      ok: false,
      error: { field: 'publicKeys' },
    });
    expect(await bad({ ...base, root: { kind: 'cap', cap: 'gs1-nonsense' } })).toMatchObject({
      ok: false,
      error: { field: 'root' },
    });

    const listed = nextEvent('accounts', (e) => e.accounts.some((a) => a.name === 'alice'));
    const aliceKey = ed25519Line('alice@laptop');
    const added = await service.request('addAccount', { ...base, publicKeys: [aliceKey] });
    expect(added).toMatchObject({ ok: true, value: { name: 'alice', hasPassword: true, readOnly: false } });
    // The whole public key line comes back (an edit starts from it); no cap, no hash.
    expect(added.ok && added.value.keys[0]?.line).toBe(aliceKey);
    expect((await listed).accounts.map((a: AccountView) => a.name)).toEqual(['alice']);
    expect(await bad(base)).toMatchObject({ ok: false, error: { code: 'conflict', field: 'name' } });

    const changed = await service.request('updateAccount', { name: 'alice', password: null });
    expect(changed).toMatchObject({
      ok: true,
      value: { hasPassword: false, keys: [{ comment: 'alice@laptop' }] },
    });
    expect(await service.request('updateAccount', { name: 'alice', publicKeys: [] })).toMatchObject({
      ok: false,
    });
    expect(
      await service.request('updateAccount', { name: 'alice', password: 'again', readOnly: true }),
    ).toMatchObject({
      ok: true,
      value: { hasPassword: true, readOnly: true },
    });
    expect(await service.request('updateAccount', { name: 'alice', readOnly: false })).toMatchObject({
      ok: false,
    });
    // The file on disk is what `grid-sftp account list` reads.
    expect(await readFile(join(dir, 'home', 'accounts.json'), 'utf8')).toMatch(/"name": "alice"/);
    expect(await service.request('removeAccount', { name: 'alice' })).toEqual({ ok: true, value: null });
    expect(await service.request('removeAccount', { name: 'alice' })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
  });

  it('reports a logged-in session with client version and cipher, and disconnects it', async () => {
    await service.request('addAccount', {
      name: 'bob',
      password: 'bob password',
      publicKeys: [],
      root: { kind: 'new' },
      readOnly: false,
    });
    const snapshot = await service.request('getSnapshot', {});
    if (!snapshot.ok) throw new Error('no snapshot');
    const appeared = nextEvent('session-added', (e) => e.session.account === 'bob');
    const client = new ssh2.Client();
    const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    client.on('error', () => undefined);
    client.connect({
      host: '127.0.0.1',
      port: snapshot.value.server.port,
      username: 'bob',
      password: 'bob password',
    });
    const { session } = await appeared;
    expect(session.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(session.clientVersion).toMatch(/ssh2js/);
    expect(session.cipher).not.toBe('');
    const gone = nextEvent('session-removed', (e) => e.id === session.id);
    expect(await service.request('disconnectSession', { id: session.id })).toEqual({ ok: true, value: null });
    await Promise.all([gone, closed]);
    expect(await service.request('disconnectSession', { id: session.id })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    expect(
      events.some((e) => e.type === 'log' && e.entry.message.includes('login: bob from 127.0.0.1')),
    ).toBe(true);
  });

  it('stops and starts the server on the same port', async () => {
    const before = service.serverState.port;
    expect(await service.request('stopServer', {})).toMatchObject({ ok: true, value: { state: 'stopped' } });
    expect(await service.request('startServer', {})).toMatchObject({
      ok: true,
      value: { state: 'running', port: before },
    });
  });

  it('checks, verifies and repairs a whole account tree with progress', async () => {
    for (const action of ['check', 'verify', 'repair'] as const) {
      const done = nextEvent('job', (e) => e.job.action === action && e.job.state !== 'running');
      const started = await service.request('startHealthJob', { action, target: { account: 'bob' } });
      expect(started).toMatchObject({ ok: true, value: { state: 'running', target: 'account bob' } });
      const { job } = await done;
      expect(job).toMatchObject({ state: 'healthy', done: 1, total: 1 });
    }
    expect(
      await service.request('startHealthJob', { action: 'check', target: { account: 'nobody' } }),
    ).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
  });

  it('refuses a retry or discard of a commit that does not exist', async () => {
    expect(await service.request('retryCommit', { id: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    expect(await service.request('discardCommit', { id: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
  });

  it('adds a local node that the running grid uses at once', async () => {
    const result = await service.request('addLocalNode', { path: join(dir, 'extra-node') });
    expect(result).toMatchObject({ ok: true, value: { kind: 'local', ok: true } });
    const nodes = await service.request('refreshNodes', {});
    expect(nodes.ok && nodes.value.length).toBe(6);
    // An upload over SFTP now may place a share on it: with n=5 of 6 nodes, enough uploads do.
    const home = await openHome(join(dir, 'home'));
    expect(home.nodes).toHaveLength(6);
    await home.close();
    expect(await service.request('addLocalNode', { path: '/proc/version' })).toMatchObject({
      ok: false,
      error: { field: 'path' },
    });
  });
});
