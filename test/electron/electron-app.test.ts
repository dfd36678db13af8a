// The desktop app end to end, through Playwright's Electron launcher: the real main process,
// preload and UI on a temporary home. Needs the Electron binary (npm ci without
// ELECTRON_SKIP_BINARY_DOWNLOAD) and, on Linux, a display (xvfb-run works); skips otherwise.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_METHODS } from '@grid-sftp/core/api';

const root = fileURLToPath(new URL('../../', import.meta.url));
const mainJs = join(root, 'main/dist/electron/main.js');
const built = [
  mainJs,
  join(root, 'main/dist/electron/preload.cjs'),
  join(root, 'renderer/ui-dist/index.html'),
];
const SECTIONS = ['Overview', 'Accounts', 'Open handles', 'Pending commits', 'Storage', 'Logs'];

/** The Electron binary's path, or why there is none (the electron package throws then). */
function electronBinary(): { path: string } | { missing: string } {
  let path: unknown;
  try {
    path = createRequire(import.meta.url)('electron');
  } catch {
    return {
      missing: 'the Electron binary is not installed (npm ci ran with ELECTRON_SKIP_BINARY_DOWNLOAD=1)',
    };
  }
  if (typeof path !== 'string' || !existsSync(path))
    return { missing: `no Electron binary at ${String(path)}` };
  return { path };
}

const binary = electronBinary();
const noDisplay =
  process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']
    ? 'no display (DISPLAY / WAYLAND_DISPLAY unset; run under xvfb-run)'
    : undefined;
const skipReason = 'missing' in binary ? binary.missing : noDisplay;
if (skipReason !== undefined) console.log(`electron-app.test: skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)(
  `the desktop app${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let temp: string;
    let app: ElectronApplication;
    let page: Page;

    beforeAll(async () => {
      for (const file of built) {
        if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
      }
      temp = await mkdtemp(join(tmpdir(), 'grid-electron-'));
      app = await electron.launch({
        executablePath: (binary as { path: string }).path,
        args: [mainJs],
        env: {
          ...(process.env as Record<string, string>),
          GRID_SFTP_HOME: join(temp, 'home'),
          GRID_SFTP_LISTEN: '127.0.0.1:0',
          GRID_SFTP_ELECTRON_DATA: join(temp, 'profile'),
        },
        timeout: 60_000,
      });
      page = await app.firstWindow();
    }, 90_000);

    afterAll(async () => {
      await app?.close();
      if (temp !== undefined) await rm(temp, { recursive: true, force: true });
    }, 60_000);

    it('shows the six sections by name', async () => {
      const links = page.locator('nav[aria-label="Sections"] a');
      await links.nth(SECTIONS.length - 1).waitFor({ state: 'visible', timeout: 30_000 });
      expect((await links.allTextContents()).map((t) => t.trim())).toEqual(SECTIONS);
    });

    it('gives the page exactly the contract’s methods plus onEvent and ready, and no Node', async () => {
      const keys = await page.evaluate(() =>
        Object.keys((globalThis as unknown as { grid: object }).grid).sort(),
      );
      expect(keys).toEqual([...API_METHODS, 'onEvent', 'ready'].sort());
      const reachable = await page.evaluate(() => {
        const scope = globalThis as unknown as Record<string, unknown>;
        return {
          require: typeof scope['require'],
          process: typeof scope['process'],
          module: typeof scope['module'],
        };
      });
      expect(reachable).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined' });
    });

    it('answers the page through IPC', async () => {
      const ok = await page.evaluate(async () => {
        const grid = (globalThis as unknown as { grid: { getSnapshot(p: object): Promise<{ ok: boolean }> } })
          .grid;
        return (await grid.getSnapshot({})).ok;
      });
      expect(ok).toBe(true);
    });

    it('shows one window, on our own file', async () => {
      const urls = await app.evaluate(({ BrowserWindow }) =>
        BrowserWindow.getAllWindows().map((w) => w.webContents.getURL()),
      );
      expect(urls).toHaveLength(1);
      expect(urls[0]).toMatch(/^file:\/\/.*\/index\.html(#.*)?$/);
    });
  },
);
