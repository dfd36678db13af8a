import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CapError, isDirectoryCap, parseCap, type Cap } from '@grid-sftp/core';
import type { AccountView } from '@grid-sftp/core/api';
import { AccountStore } from '../accounts/account-store.js';
import { AccountService } from '../app/account-service.js';
import { ServiceError } from '../app/service-error.js';
import { parsePublicKey } from '../accounts/public-key.js';
import { parseTahoeAccounts } from '../accounts/tahoe-import.js';
import { keyFileSecretBox } from '../home/secret-box.js';
import { CommandFailed } from './errors.js';
import { printLine, warn } from './output.js';
import { run } from './run.js';
import { homeDirOf, withHome } from './session.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One line: a trailing newline (echo, a here-string) is not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function rootCapOf(text: string): Cap {
  const cap = parseCap(text);
  if (!isDirectoryCap(cap)) throw new CapError('--root must be a directory cap');
  return cap;
}

/**
 * The same account methods the app service runs for the UI. Only `add` may need the grid (for a
 * fresh root directory), so the others do not open the home's nodes at all.
 */
async function withAccounts<T>(
  command: Command,
  work: (accounts: AccountService) => Promise<T>,
  needsGrid = true,
): Promise<T> {
  const dir = homeDirOf(command);
  const store = await AccountStore.open(dir, await keyFileSecretBox(dir));
  const run = async (newRoot: () => Promise<Cap>): Promise<T> => {
    try {
      return await work(new AccountService(store, newRoot));
    } catch (error) {
      if (error instanceof ServiceError) throw new CommandFailed(error.message);
      throw error;
    }
  };
  if (!needsGrid) return run(() => Promise.reject(new Error('this command makes no directories')));
  return withHome(command, (home) => run(() => home.grid().createDirectory()));
}

function describe(account: AccountView): string {
  const login = [
    account.hasPassword ? 'password' : undefined,
    account.keys.length > 0 ? `${account.keys.length} key(s)` : undefined,
  ]
    .filter((x) => x !== undefined)
    .join(' + ');
  return `${account.name}  ${account.readOnly ? 'read-only' : 'read-write'}  ${login}  since ${account.createdAt}`;
}

export function registerAccountCommands(program: Command): void {
  const account = program.command('account').description('manage the accounts that may log in over SFTP');

  account
    .command('add')
    .description('add an account (a fresh root folder unless --root gives one)')
    .argument('<name>', 'the SSH user name')
    .option('--password-stdin', 'read the password from standard input')
    .option(
      '--key <file>',
      'an OpenSSH public key file (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option('--root <cap>', 'a directory cap to serve as the root')
    .option('--read-only', 'serve the root read-only (its read cap)')
    .action(
      run(
        async (
          name: string,
          options: { passwordStdin?: boolean; key: string[]; root?: string; readOnly?: boolean },
          command: Command,
        ) => {
          // Each file is checked here so that an error names the file, not a line number.
          const publicKeys = await Promise.all(
            options.key.map(async (file) => {
              const text = (await readFile(file, 'utf8')).trim();
              try {
                parsePublicKey(text);
              } catch (error) {
                throw new CommandFailed(`${file}: ${error instanceof Error ? error.message : String(error)}`);
              }
              return text;
            }),
          );
          const password = options.passwordStdin === true ? await readStdin() : undefined;
          const added = await withAccounts(command, (accounts) =>
            accounts.add({
              name,
              ...(password === undefined ? {} : { password }),
              publicKeys,
              root: options.root === undefined ? { kind: 'new' } : { kind: 'cap', cap: options.root },
              readOnly: options.readOnly === true,
            }),
          );
          printLine(`Added account ${describe(added)}`);
        },
      ),
    );

  account
    .command('list')
    .description('list the accounts (no secrets)')
    .option('--json', 'print JSON: [{ name, hasPassword, keys, readOnly, createdAt }]')
    .action(
      run(async (options: { json?: boolean }, command: Command) => {
        const accounts = await withAccounts(command, (service) => service.list(), false);
        if (options.json === true) printLine(JSON.stringify(accounts, null, 2));
        else if (accounts.length === 0)
          printLine('No accounts yet. Add one: grid-sftp account add NAME --password-stdin');
        else for (const a of accounts) printLine(describe(a));
      }),
    );

  account
    .command('remove')
    .description('remove an account (its files stay in the grid)')
    .argument('<name>')
    .action(
      run(async (name: string, _options: unknown, command: Command) => {
        await withAccounts(command, (accounts) => accounts.remove(name), false);
        printLine(`Removed account ${name}`);
      }),
    );

  account
    .command('import-tahoe')
    .description(
      'import a Tahoe-LAFS SFTP accounts file (USER KEYTYPE KEY ROOTCAP and USER PASSWORD ROOTCAP lines)',
    )
    .argument('<file>')
    .action(
      run(async (file: string, _options: unknown, command: Command) => {
        const { accounts, errors } = parseTahoeAccounts(await readFile(file, 'utf8'));
        if (errors.length > 0) throw new CommandFailed(`${file}: ${errors.join('; ')}`);
        const added = await withHome(command, async (home) => {
          const store = await AccountStore.open(home.dir, await keyFileSecretBox(home.dir));
          const names: string[] = [];
          for (const entry of accounts) {
            if (store.has(entry.name)) {
              warn(`line ${entry.line}: account "${entry.name}" already exists; skipped`);
              continue;
            }
            let root: Cap;
            try {
              root = rootCapOf(entry.rootCap);
            } catch {
              // A Tahoe-LAFS cap names data in another grid, which this one cannot reach.
              warn(
                `line ${entry.line}: "${entry.name}" had a Tahoe-LAFS root cap; a new empty root folder was made`,
              );
              root = await home.grid().createDirectory();
            }
            await store.add({
              name: entry.name,
              ...(entry.password === undefined ? {} : { password: entry.password }),
              keys: entry.key === undefined ? [] : [entry.key],
              root,
            });
            names.push(entry.name);
          }
          return names;
        });
        printLine(`Imported ${added.length} account(s)${added.length > 0 ? `: ${added.join(', ')}` : ''}`);
      }),
    );
}
