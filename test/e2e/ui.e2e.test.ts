import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../main/test/helpers/run-cli.js';
import {
  clientSshOptions,
  hasCommand,
  startGateway,
  type RunningGateway,
} from '../helpers/gateway-server.js';

/**
 * The Bar of issue 5, in a real browser (Debian's chromium through playwright-core) against
 * `grid-sftp serve`'s UI: all six views by name, an account added in the form and used by
 * OpenSSH sftp, a paramiko upload watched live in Open handles and then in Pending commits, the
 * login in Logs, and no uncaught page error. Every wait is on visible state, never a sleep.
 */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const PYTHON = '/usr/bin/python3';
const haveParamiko = spawnSync(PYTHON, ['-c', 'import paramiko']).status === 0;
const ready = CHROMIUM !== undefined && hasCommand('sftp', '-V') && haveParamiko;
const SHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
/** Server work (scrypt, a directory publish, a commit) can take seconds on a slow CI machine. */
const WAIT = { timeout: 20_000 } as const;
const VIEWS = ['Overview', 'Accounts', 'Open handles', 'Pending commits', 'Storage', 'Logs'] as const;

let gateway: RunningGateway;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

if (!ready)
  console.warn(
    'ui.e2e: skipped — needs Debian chromium, openssh-client and python3-paramiko (npm test installs them as root)',
  );

describe.skipIf(!ready)('the UI in a real browser against grid-sftp serve', () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    gateway = await startGateway('grid-e2e-');
    browser = await chromium.launch({
      executablePath: CHROMIUM as string,
      // Root in a container has no user namespaces for chromium's sandbox.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  function uiUrl(): string {
    const url = /UI: (http:\/\/\S+)/.exec(gateway.log())?.[1];
    if (url === undefined) throw new Error(`serve printed no UI line: ${gateway.log()}`);
    return url;
  }

  /**
   * A screenshot of the whole page, taken with a viewport as tall as the page: Chromium's
   * full-page capture draws the sticky sidebar half-way down a long page.
   */
  async function shoot(name: string): Promise<void> {
    // A string, so that this Node-typed file needs no DOM types.
    const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
    await page.setViewportSize({ width: 1280, height: Math.max(860, height) });
    await page.screenshot({ path: join(SHOTS, name) });
    await page.setViewportSize({ width: 1280, height: 860 });
  }

  async function show(view: (typeof VIEWS)[number]): Promise<void> {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: view, exact: true })
      .click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1, name: view, exact: true }).isVisible(), WAIT)
      .toBe(true);
  }

  it('reaches all six views by name', async () => {
    await page.goto(uiUrl());
    for (const view of VIEWS) {
      await show(view);
      await shoot(`${view.toLowerCase().replace(/ /g, '-')}.png`);
    }
    const overview = page.getByRole('link', { name: 'Overview', exact: true });
    await overview.click();
    await expect.poll(() => page.getByText(`127.0.0.1:${gateway.port}`).first().isVisible(), WAIT).toBe(true);
  });

  it('adds an account in the form that the CLI lists and OpenSSH sftp logs in as', async () => {
    const key = join(gateway.dir, 'carol');
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).status).toBe(0);
    await show('Accounts');
    const form = page.getByRole('form', { name: 'Add account' });
    await form.getByLabel('Name', { exact: true }).fill('carol');
    await form.getByLabel('Public keys').fill(await readFile(`${key}.pub`, 'utf8'));
    await form.getByRole('button', { name: 'Add account' }).click();
    const table = page.getByRole('table', { name: 'Accounts' });
    await expect
      .poll(() => table.getByRole('rowheader', { name: 'carol', exact: true }).isVisible(), WAIT)
      .toBe(true);
    await shoot('accounts-added.png');

    const listed = await runCli(['account', 'list', '--json', '--home', gateway.home]);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.out) as Array<{ name: string }>).map((a) => a.name)).toContain('carol');

    const local = join(gateway.dir, 'hello.txt');
    await writeFile(local, 'hello from the e2e test\n');
    const batch = join(gateway.dir, 'batch');
    await writeFile(batch, `mkdir docs\nput ${local} docs/hello.txt\nls -l docs\n`);
    const sftp = spawnSync(
      'sftp',
      [...clientSshOptions(key), '-P', String(gateway.port), '-b', batch, 'carol@127.0.0.1'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(sftp.status, sftp.stderr).toBe(0);
    expect(sftp.stdout).toMatch(/hello\.txt/);
  });

  it('shows a real upload live in Open handles, then its commit in Pending commits', async () => {
    await show('Open handles');
    const holder = spawn(PYTHON, [
      fileURLToPath(new URL('./hold_open.py', import.meta.url)),
      String(gateway.port),
      'alice',
      gateway.aliceKey,
      '/live-upload.bin',
    ]);
    let output = '';
    let errors = '';
    holder.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    holder.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => holder.once('exit', resolve));
    try {
      await expect.poll(() => output, { timeout: 30_000 }).toMatch(/open/);
      const handles = page.getByRole('table', { name: 'Open handles' });
      const row = handles.getByRole('row').filter({ hasText: 'live-upload.bin' });
      // No reload: the row arrives over the bridge while the file is open.
      await expect.poll(() => row.isVisible(), { timeout: 15_000 }).toBe(true);
      expect(await row.innerText()).toMatch(/alice/);
      expect(await row.innerText()).toMatch(/open/);
      await shoot('open-handles-live.png');

      // The connection behind it is listed with what the SSH handshake negotiated.
      await show('Overview');
      const session = page
        .getByRole('table', { name: 'Connected sessions' })
        .getByRole('row')
        .filter({ hasText: 'alice' });
      await expect.poll(() => session.innerText(), WAIT).toMatch(/paramiko/i);
      expect(
        await session.getByRole('button', { name: /^Disconnect alice from 127\.0\.0\.1/ }).isVisible(),
      ).toBe(true);

      await show('Pending commits');
      holder.stdin.write('close\n');
      const finished = page
        .getByRole('table', { name: 'Recently finished' })
        .getByRole('row')
        .filter({ hasText: 'live-upload.bin' });
      await expect.poll(() => finished.isVisible(), { timeout: 30_000 }).toBe(true);
      await expect.poll(() => finished.innerText(), { timeout: 30_000 }).toMatch(/committed/);
      await shoot('pending-commits-finished.png');
      expect(await exited, errors).toBe(0);
    } finally {
      holder.kill();
    }
  });

  it('verifies an account tree and adds a storage node from Storage', async () => {
    await show('Storage');
    const health = page.getByRole('form', { name: 'Check health' });
    await health.getByLabel('Action').selectOption('verify');
    await health.getByLabel('Account', { exact: true }).selectOption('carol');
    await health.getByRole('button', { name: 'Start' }).click();
    // carol's tree: her root, the docs folder and hello.txt, all read back and checked.
    const job = page
      .getByRole('list', { name: 'Health jobs' })
      .getByRole('listitem', { name: 'Verify account carol' });
    await expect.poll(() => job.innerText(), { timeout: 30_000 }).toMatch(/healthy/);
    expect(await job.innerText()).toMatch(/3 object\(s\) verified: all healthy/);

    const nodes = page.getByRole('table', { name: 'Storage nodes' });
    expect(await nodes.getByRole('row').count()).toBe(6);
    const addNode = page.getByRole('form', { name: 'Add local node' });
    await addNode.getByLabel('Folder path').fill(join(gateway.dir, 'node-from-ui'));
    await addNode.getByRole('button', { name: 'Add node' }).click();
    await expect.poll(() => nodes.getByRole('row').count(), WAIT).toBe(7);
    await shoot('storage-verified.png');
    const listed = await runCli(['node', 'list', '--json', '--home', gateway.home]);
    expect((JSON.parse(listed.out) as Array<{ path: string }>).map((n) => n.path)).toContain(
      join(gateway.dir, 'node-from-ui'),
    );
  });

  it('shows the logins in Logs, found by search', async () => {
    await show('Logs');
    await page.getByLabel('Search').fill('login: carol');
    const log = page.getByRole('log', { name: 'Log entries' });
    await expect
      .poll(
        () =>
          log
            .getByText(/login: carol from 127\.0\.0\.1/)
            .first()
            .isVisible(),
        WAIT,
      )
      .toBe(true);
    await shoot('logs-login.png');
  });

  it('raised no uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
