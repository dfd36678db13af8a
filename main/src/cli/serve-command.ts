import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ActivityRegistry, HeisenfileRegistry } from '@grid-sftp/core';
import { AccountStore } from '../accounts/account-store.js';
import { SftpGateway } from '../gateway/gateway.js';
import { loadHostKeys } from '../gateway/host-keys.js';
import { startStatusPage } from '../gateway/status-page.js';
import { openHome } from '../home/home.js';
import { keyFileSecretBox } from '../home/secret-box.js';
import { UsageError } from './errors.js';
import { printLine, warn } from './output.js';
import { run } from './run.js';
import { homeDirOf } from './session.js';

function hostPort(text: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--listen wants HOST:PORT, got "${text}"`);
  }
  return { host: (match[1] ?? '').replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port };
}

/** How long a stop waits for commits already running before it reports them as not finished. */
const DRAIN_MS = 30_000;

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the grid over SFTP (in the foreground; Ctrl-C stops it cleanly)')
    .option('--listen <host:port>', 'where to listen for SSH', '127.0.0.1:2222')
    .option('--ui <host:port>', 'where to serve the web page (loopback only)', '127.0.0.1:0')
    .option('--no-ui', 'serve no web page')
    .action(
      run(async (options: { listen: string; ui: string | false }, command: Command) => {
        const { host, port } = hostPort(options.listen);
        const ui = options.ui === false ? undefined : hostPort(options.ui);
        if (ui !== undefined && ui.host !== '127.0.0.1' && ui.host !== 'localhost' && ui.host !== '::1') {
          throw new UsageError('--ui listens on loopback only (127.0.0.1, ::1 or localhost)');
        }
        const homeDir = homeDirOf(command);
        const home = await openHome(homeDir, warn);
        const box = await keyFileSecretBox(homeDir);
        const accounts = await AccountStore.open(homeDir, box);
        const hostKeys = await loadHostKeys(homeDir, box);
        const spoolDir = join(homeDir, 'spool');
        // Spools of a previous run belong to handles that no longer exist: nothing can commit them.
        await rm(spoolDir, { recursive: true, force: true });
        await mkdir(spoolDir, { recursive: true, mode: 0o700 });
        const activity = new ActivityRegistry();
        const gateway = new SftpGateway({
          grid: home.grid(),
          accounts,
          hostKeys,
          heisenfiles: new HeisenfileRegistry(),
          activity,
          spoolDir,
          log: (level, message) => (level === 'warn' ? warn(message) : printLine(message)),
        });
        const address = await gateway.listen(host, port);
        printLine(`SFTP: ${address.address}:${address.port}`);
        for (const key of hostKeys) printLine(`Host key (${key.type}): ${key.fingerprint}`);
        const page =
          ui === undefined
            ? undefined
            : await startStatusPage(ui.host, ui.port, () =>
                [
                  `SFTP: ${address.address}:${address.port}`,
                  ...hostKeys.map((k) => `Host key (${k.type}): ${k.fingerprint}`),
                  `Accounts: ${accounts.list().length}`,
                  `Open handles: ${activity.snapshot().filter((h) => h.state === 'open').length}`,
                  `Commits running: ${activity.snapshot().filter((h) => h.state === 'committing').length}`,
                ].join('\n'),
              );
        if (page !== undefined) printLine(`UI: ${page.url}`);
        if (accounts.list().length === 0)
          warn('no accounts yet: add one with grid-sftp account add NAME --password-stdin');

        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        printLine('Stopping: no new connections; waiting for running commits');
        const running = activity.snapshot().filter((h) => h.state === 'closing' || h.state === 'committing');
        await Promise.race([
          Promise.all(
            running.map((h) =>
              activity
                .waitFor((s) => s.id === h.id && s.state !== 'closing' && s.state !== 'committing', DRAIN_MS)
                .catch(() => undefined),
            ),
          ),
          new Promise((resolve) => setTimeout(resolve, DRAIN_MS)),
        ]);
        const unfinished = activity
          .snapshot()
          .filter((h) => h.state === 'committing' || h.state === 'closing');
        for (const h of unfinished) warn(`commit of ${h.path} (${h.account}) did not finish before the stop`);
        await gateway.close();
        await page?.close();
        await home.close();
        await rm(spoolDir, { recursive: true, force: true });
        printLine('Stopped');
      }),
    );
}
