import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_METHODS, type AppEvent } from '@grid-sftp/core/api';

const script = fileURLToPath(new URL('../../scripts/bundle-preload.mjs', import.meta.url));

interface FakeIpc {
  invoked: [string, unknown][];
  sent: string[];
  listeners: Map<string, ((event: unknown, payload: unknown) => void)[]>;
}

/** Runs the bundled preload as Electron's sandbox would: `require` knows only `electron`. */
function loadPreload(code: string) {
  const ipc: FakeIpc = { invoked: [], sent: [], listeners: new Map() };
  const exposed = new Map<string, unknown>();
  const required: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
    ipcRenderer: {
      invoke: (channel: string, params: unknown) => {
        ipc.invoked.push([channel, params]);
        return Promise.resolve({ ok: true, value: channel });
      },
      send: (channel: string) => void ipc.sent.push(channel),
      on: (channel: string, listener: (event: unknown, payload: unknown) => void) => {
        ipc.listeners.set(channel, [...(ipc.listeners.get(channel) ?? []), listener]);
      },
      removeListener: (channel: string, listener: (event: unknown, payload: unknown) => void) => {
        ipc.listeners.set(
          channel,
          (ipc.listeners.get(channel) ?? []).filter((l) => l !== listener),
        );
      },
    },
  };
  const module = { exports: {} };
  runInNewContext(code, {
    module,
    exports: module.exports,
    require: (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return electron;
    },
  });
  return { ipc, exposed, required };
}

describe('the bundled preload', () => {
  let dir: string;
  let code: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'grid-preload-'));
    const outfile = join(dir, 'preload.cjs');
    await promisify(execFile)(process.execPath, [script, '--outfile', outfile]);
    code = await readFile(outfile, 'utf8');
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('requires nothing but electron', () => {
    expect(loadPreload(code).required).toEqual(['electron']);
  });

  it('exposes window.grid with exactly the contract’s methods plus onEvent and ready', () => {
    const { exposed } = loadPreload(code);
    expect([...exposed.keys()]).toEqual(['grid']);
    const grid = exposed.get('grid') as Record<string, unknown>;
    expect(Object.keys(grid).sort()).toEqual([...API_METHODS, 'onEvent', 'ready'].sort());
    for (const value of Object.values(grid)) expect(typeof value).toBe('function');
  });

  it('sends each method on its own channel, grid:<method>', async () => {
    const { exposed, ipc } = loadPreload(code);
    const grid = exposed.get('grid') as Record<string, (params: unknown) => Promise<unknown>>;
    for (const method of API_METHODS) {
      await expect(grid[method]?.({ probe: method })).resolves.toEqual({ ok: true, value: `grid:${method}` });
    }
    expect(ipc.invoked).toEqual(API_METHODS.map((m) => [`grid:${m}`, { probe: m }]));
  });

  it('passes only the event to the page, stops on unsubscribe, and says ready on grid:ready', () => {
    const { exposed, ipc } = loadPreload(code);
    const grid = exposed.get('grid') as {
      onEvent: (listener: (event: AppEvent) => void) => () => void;
      ready: () => void;
    };
    const seen: unknown[][] = [];
    const stop = grid.onEvent((...args) => void seen.push(args));
    const event: AppEvent = { type: 'handle-removed', id: 'h1' };
    const emit = (): void => {
      for (const listener of ipc.listeners.get('grid:event') ?? [])
        listener({ sender: 'ipc internals' }, event);
    };
    emit();
    expect(seen).toEqual([[event]]);
    stop();
    emit();
    expect(seen).toHaveLength(1);
    grid.ready();
    expect(ipc.sent).toEqual(['grid:ready']);
  });
});
