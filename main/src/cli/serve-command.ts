import type { Command } from 'commander';
import { AppService } from '../app/app-service.js';
import { startUiServer } from '../ui-server/ui-server.js';
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
        const service = await AppService.open({
          homeDir: homeDirOf(command),
          listen: { host, port },
          onLog: (level, message) =>
            level === 'warn' || level === 'error' ? warn(message) : printLine(message),
        });
        const server = service.serverState;
        printLine(`SFTP: ${server.host}:${server.port}`);
        for (const key of server.hostKeys) printLine(`Host key (${key.type}): ${key.fingerprint}`);
        const page = ui === undefined ? undefined : await startUiServer(service, ui);
        if (page !== undefined) printLine(`UI: ${page.url}`);
        const snapshot = await service.request('getSnapshot', {});
        if (snapshot.ok && snapshot.value.accounts.length === 0)
          warn('no accounts yet: add one with grid-sftp account add NAME --password-stdin, or in the UI');

        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        printLine('Stopping: waiting for running commits, then closing connections');
        await page?.close();
        await service.close();
        printLine('Stopped');
      }),
    );
}
