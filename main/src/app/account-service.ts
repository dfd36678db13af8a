import { CapError, isDirectoryCap, parseCap, type Cap } from '@grid-sftp/core';
import type { AccountInput, AccountUpdate, AccountView } from '@grid-sftp/core/api';
import { AccountError, type AccountStore, type AccountSummary } from '../accounts/account-store.js';
import { parsePublicKey, PublicKeyError, type AccountKey } from '../accounts/public-key.js';
import { ServiceError } from './service-error.js';

export function accountViewOf(account: AccountSummary): AccountView {
  return {
    name: account.name,
    hasPassword: account.hasPassword,
    keys: account.keys.map(({ type, data, fingerprint, comment }) => ({
      type,
      fingerprint,
      comment,
      line: comment === '' ? `${type} ${data}` : `${type} ${data} ${comment}`,
    })),
    readOnly: account.readOnly,
    createdAt: account.createdAt,
  };
}

/**
 * Accounts as both the CLI and the UI change them: input in the contract's words (key lines, a
 * cap as text), errors naming the field they are about. The store below keeps the secrets.
 */
export class AccountService {
  constructor(
    private readonly store: AccountStore,
    private readonly newRootDirectory: () => Promise<Cap>,
  ) {}

  async list(): Promise<AccountView[]> {
    await this.store.refresh();
    return this.store.list().map(accountViewOf);
  }

  async add(input: AccountInput): Promise<AccountView> {
    await this.store.refresh();
    const keys = parseKeys(input.publicKeys);
    if (this.store.has(input.name))
      throw new ServiceError('conflict', `an account named "${input.name}" already exists`, 'name');
    const password = input.password === undefined || input.password === '' ? undefined : input.password;
    if (password === undefined && keys.length === 0)
      throw new ServiceError('invalid-input', 'give a password or at least one public key', 'password');
    // The root is made last: a refused account must not leave a fresh directory behind for nothing.
    const givenRoot = input.root.kind === 'cap' ? rootCapOf(input.root.cap) : undefined;
    validateName(input.name);
    const root = givenRoot ?? (await this.newRootDirectory());
    return accountViewOf(
      await this.translate(() =>
        this.store.add({
          name: input.name,
          ...(password === undefined ? {} : { password }),
          keys,
          root,
          readOnly: input.readOnly,
        }),
      ),
    );
  }

  async update(update: AccountUpdate): Promise<AccountView> {
    await this.store.refresh();
    this.mustExist(update.name);
    const keys = update.publicKeys === undefined ? undefined : parseKeys(update.publicKeys);
    return accountViewOf(
      await this.translate(() =>
        this.store.update(update.name, {
          ...(update.password === undefined ? {} : { password: update.password }),
          ...(keys === undefined ? {} : { keys }),
          ...(update.readOnly === undefined ? {} : { readOnly: update.readOnly }),
        }),
      ),
    );
  }

  async remove(name: string): Promise<void> {
    await this.store.refresh();
    this.mustExist(name);
    await this.translate(() => this.store.remove(name));
  }

  private mustExist(name: string): void {
    if (!this.store.has(name))
      throw new ServiceError('not-found', `there is no account named "${name}"`, 'name');
  }

  private async translate<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AccountError) throw new ServiceError('invalid-input', error.message);
      throw error;
    }
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

function validateName(name: string): void {
  if (!NAME.test(name))
    throw new ServiceError(
      'invalid-input',
      'a name starts with a letter or _ and has at most 32 letters, digits, _ . or -',
      'name',
    );
}

function parseKeys(lines: readonly string[]): AccountKey[] {
  const keys: AccountKey[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    try {
      keys.push(parsePublicKey(line));
    } catch (error) {
      const reason = error instanceof PublicKeyError ? error.message : String(error);
      throw new ServiceError('invalid-input', `key ${index + 1}: ${reason}`, 'publicKeys');
    }
  });
  return keys;
}

function rootCapOf(text: string): Cap {
  let cap: Cap;
  try {
    cap = parseCap(text.trim());
  } catch (error) {
    throw new ServiceError('invalid-input', error instanceof CapError ? error.message : 'not a cap', 'root');
  }
  if (!isDirectoryCap(cap))
    throw new ServiceError('invalid-input', 'the root must be a directory cap', 'root');
  return cap;
}
