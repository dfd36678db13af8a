// The main process's wiring, run under Node with a stand-in for the `electron` module (the
// binary is not needed): window options, IPC handlers and their sender check, held events,
// and a quit that closes the service.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_METHODS, type Result } from '@grid-sftp/core/api';

type Listener = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const listeners = (): Map<string, Listener[]> => new Map();
  const on = (map: Map<string, Listener[]>) => (name: string, listener: Listener) => {
    map.set(name, [...(map.get(name) ?? []), listener]);
  };
  const state = {
    paths: new Map<string, string>(),
    appEvents: listeners(),
    handlers: new Map<string, Listener>(),
    ipcListeners: listeners(),
    windows: [] as {
      options: { webPreferences: Record<string, unknown> };
      loaded: string[];
      sent: [string, unknown][];
      contents: Record<string, unknown>;
      events: Map<string, Listener[]>;
    }[],
    exitCode: undefined as number | undefined,
  };
  class BrowserWindow {
    readonly webContents: Record<string, unknown>;
    readonly record: (typeof state.windows)[number];
    constructor(options: { webPreferences: Record<string, unknown> }) {
      const events = listeners();
      const sent: [string, unknown][] = [];
      const mainFrame = { url: '', parent: null, processId: 1, frameToken: 'top' };
      this.webContents = {
        mainFrame,
        on: on(events),
        send: (channel: string, payload: unknown) => void sent.push([channel, payload]),
        isDestroyed: () => false,
        setWindowOpenHandler: () => undefined,
        getURL: () => mainFrame.url,
      };
      this.record = { options, loaded: [], sent, contents: this.webContents, events };
      state.windows.push(this.record);
    }
    loadURL(url: string): Promise<void> {
      this.record.loaded.push(url);
      (this.webContents['mainFrame'] as { url: string }).url = url;
      return Promise.resolve();
    }
    once(): void {}
    on(): void {}
    isDestroyed(): boolean {
      return false;
    }
    isMinimized(): boolean {
      return false;
    }
    show(): void {}
    hide(): void {}
    focus(): void {}
    restore(): void {}
  }
  const electron = {
    app: {
      isPackaged: false,
      setName: () => undefined,
      setPath: (name: string, path: string) => void state.paths.set(name, path),
      getPath: (name: string) => state.paths.get(name) ?? `/nonexistent/${name}`,
      requestSingleInstanceLock: () => true,
      whenReady: () => Promise.resolve(),
      on: on(state.appEvents),
      quit: () => undefined,
      exit: (code: number) => void (state.exitCode = code),
    },
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, handler: Listener) => void state.handlers.set(channel, handler),
      removeHandler: (channel: string) => void state.handlers.delete(channel),
      on: on(state.ipcListeners),
      off: () => undefined,
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => undefined,
        setPermissionCheckHandler: () => undefined,
        webRequest: { onHeadersReceived: () => undefined },
      },
    },
    shell: { openExternal: () => Promise.resolve() },
    dialog: {
      showErrorBox: (title: string, message: string) => {
        throw new Error(`${title}: ${message}`);
      },
      showMessageBox: () => Promise.resolve({ response: 0 }),
    },
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptString: (plain: string) => Buffer.from(`sealed:${plain}`),
      decryptString: (sealed: Buffer) => sealed.toString().replace(/^sealed:/, ''),
    },
    nativeImage: { createFromBuffer: () => ({}) },
    Tray: class {
      setToolTip(): void {}
      setContextMenu(): void {}
      on(): void {}
      destroy(): void {}
    },
    Menu: { buildFromTemplate: () => ({}) },
  };
  return { state, electron };
});

vi.mock('electron', () => fake.electron);

describe('the Electron main process (with a stand-in electron module)', () => {
  let temp: string;
  const saved = { ...process.env };
  const window = () => {
    const win = fake.state.windows[0];
    if (win === undefined) throw new Error('no window was made');
    return win;
  };
  const trusted = () => ({ sender: window().contents, senderFrame: window().contents['mainFrame'] });

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'grid-main-'));
    await mkdir(join(temp, 'ui'));
    await writeFile(join(temp, 'ui', 'index.html'), '<!doctype html><title>Grid SFTP</title>');
    process.env['GRID_SFTP_HOME'] = join(temp, 'home');
    process.env['GRID_SFTP_UI_DIR'] = join(temp, 'ui');
    process.env['GRID_SFTP_LISTEN'] = '127.0.0.1:0';
    process.env['GRID_SFTP_ELECTRON_DATA'] = join(temp, 'profile');
    await import('../../src/electron/main.js');
    await vi.waitFor(() => expect(fake.state.handlers.size).toBe(API_METHODS.length), { timeout: 20_000 });
  }, 30_000);

  afterAll(async () => {
    process.env = saved;
    await rm(temp, { recursive: true, force: true });
  });

  it('keeps its Chromium profile where it is told', () => {
    expect(fake.state.paths.get('userData')).toBe(join(temp, 'profile'));
  });

  it('opens one sandboxed, isolated window on the UI file with the bundled preload', () => {
    expect(fake.state.windows).toHaveLength(1);
    const { options, loaded } = window();
    expect(options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(String(options.webPreferences['preload'])).toMatch(/preload\.cjs$/);
    expect(loaded).toEqual([pathToFileURL(join(temp, 'ui', 'index.html')).href]);
  });

  it('handles one channel per contract method', () => {
    expect([...fake.state.handlers.keys()].sort()).toEqual(API_METHODS.map((m) => `grid:${m}`).sort());
  });

  it('answers our page and refuses any other frame', async () => {
    const handler = fake.state.handlers.get('grid:getSnapshot');
    const answer = (await handler?.(trusted(), {})) as Result<unknown>;
    expect(answer.ok).toBe(true);
    const stranger = {
      ...trusted(),
      senderFrame: { url: 'https://evil.example/', parent: null, processId: 1, frameToken: 'top' },
    };
    await expect(Promise.resolve().then(() => handler?.(stranger, {}))).rejects.toThrow(/refused/);
    const invalid = (await fake.state.handlers.get('grid:removeAccount')?.(trusted(), {
      name: 42,
    })) as Result<unknown>;
    expect(invalid.ok).toBe(false);
  });

  it('holds service events until the page says it is ready', async () => {
    const sentEvents = () => window().sent.filter(([channel]) => channel === 'grid:event');
    await fake.state.handlers.get('grid:stopServer')?.(trusted(), {});
    await fake.state.handlers.get('grid:startServer')?.(trusted(), {});
    expect(sentEvents()).toEqual([]);
    for (const ready of fake.state.ipcListeners.get('grid:ready') ?? [])
      ready({ ...trusted(), senderFrame: null });
    expect(sentEvents()).toEqual([]);
    for (const ready of fake.state.ipcListeners.get('grid:ready') ?? []) ready(trusted());
    expect(sentEvents().length).toBeGreaterThan(0);
    expect(sentEvents().some(([, event]) => (event as { type: string }).type === 'server')).toBe(true);
  });

  it('quits by closing the service when no commit is pending', async () => {
    const prevented: boolean[] = [];
    for (const beforeQuit of fake.state.appEvents.get('before-quit') ?? []) {
      beforeQuit({ preventDefault: () => void prevented.push(true) });
    }
    expect(prevented).toEqual([true]);
    await vi.waitFor(() => expect(fake.state.exitCode).toBe(0), { timeout: 20_000 });
  });
});
