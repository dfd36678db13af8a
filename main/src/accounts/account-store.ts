import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { formatCap, parseCap, readCapOf, isDirectoryCap, type Cap } from '@grid-sftp/core';
import { writeFileAtomic } from '../home/atomic-file.js';
import type { SecretBox } from '../home/secret-box.js';
import { hashPassword, verifyPassword, type PasswordHash } from './password.js';
import type { AccountKey } from './public-key.js';

/**
 * The accounts of a home: who may log in (password hash, public keys), which directory cap is
 * their `/`, and their own convergence secret (so identical files deduplicate within an
 * account, never across accounts). Root caps and convergence secrets are sealed with the home's
 * secret box; the file is written atomically and owner-only.
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

const StoredAccount = z.object({
  name: z.string().regex(NAME),
  password: z
    .object({
      algorithm: z.literal('scrypt'),
      N: z.number().int(),
      r: z.number().int(),
      p: z.number().int(),
      salt: z.string(),
      hash: z.string(),
    })
    .optional(),
  keys: z.array(
    z.object({ type: z.string(), data: z.string(), comment: z.string(), fingerprint: z.string() }),
  ),
  root: z.string(),
  convergence: z.string(),
  readOnly: z.boolean(),
  createdAt: z.string(),
});
const StoredFile = z.object({
  format: z.literal('grid-sftp-accounts'),
  version: z.literal(1),
  accounts: z.array(StoredAccount),
});
type Stored = z.infer<typeof StoredAccount>;

/** What may be shown of an account: no secret, no cap. */
export interface AccountSummary {
  readonly name: string;
  readonly hasPassword: boolean;
  readonly keys: readonly AccountKey[];
  readonly readOnly: boolean;
  readonly createdAt: string;
}

/** What the gateway needs once a user has logged in. */
export interface AccountSecrets {
  readonly root: Cap;
  readonly convergenceSecret: Uint8Array;
  readonly readOnly: boolean;
}

export class AccountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountError';
  }
}

export interface NewAccount {
  readonly name: string;
  readonly password?: string;
  readonly keys?: readonly AccountKey[];
  /** The root directory cap; read-only accounts keep only its read cap. */
  readonly root: Cap;
  readonly readOnly?: boolean;
}

export interface AccountChanges {
  /** A new password; null or '' removes password login. */
  readonly password?: string | null;
  readonly keys?: readonly AccountKey[];
  readonly readOnly?: boolean;
}

export function accountsPath(home: string): string {
  return join(home, 'accounts.json');
}

export class AccountStore {
  private loadedVersion = '';

  private constructor(
    private readonly file: string,
    private readonly box: SecretBox,
    private accounts: Stored[],
  ) {}

  static async open(home: string, box: SecretBox): Promise<AccountStore> {
    const file = accountsPath(home);
    const store = new AccountStore(file, box, await AccountStore.read(file));
    store.loadedVersion = await versionOf(file);
    return store;
  }

  /**
   * Picks up changes another process made (`grid-sftp account add` while `serve` runs): the
   * server calls this before each login, and it rereads the file only when it has changed.
   */
  async refresh(): Promise<void> {
    const version = await versionOf(this.file);
    if (version === this.loadedVersion) return;
    this.accounts = await AccountStore.read(this.file);
    this.loadedVersion = version;
  }

  private static async read(file: string): Promise<Stored[]> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AccountError(`${file} is not valid JSON`);
    }
    const result = StoredFile.safeParse(parsed);
    if (!result.success) throw new AccountError(`${file} is not an accounts file this version understands`);
    return result.data.accounts;
  }

  list(): AccountSummary[] {
    return this.accounts.map((a) => ({
      name: a.name,
      hasPassword: a.password !== undefined,
      keys: a.keys,
      readOnly: a.readOnly,
      createdAt: a.createdAt,
    }));
  }

  has(name: string): boolean {
    return this.accounts.some((a) => a.name === name);
  }

  async add(account: NewAccount): Promise<AccountSummary> {
    if (!NAME.test(account.name)) {
      throw new AccountError(
        `"${account.name}" is not a valid account name (letters, digits, _ . -; at most 32)`,
      );
    }
    if (this.has(account.name)) throw new AccountError(`an account named "${account.name}" already exists`);
    if (!isDirectoryCap(account.root)) throw new AccountError('an account root must be a directory cap');
    const readOnly = account.readOnly === true || account.root.kind !== 'mutable-write';
    const root = readOnly ? (readCapOf(account.root) ?? account.root) : account.root;
    if ((account.password === undefined || account.password === '') && (account.keys ?? []).length === 0) {
      throw new AccountError('an account needs a password or at least one public key to log in');
    }
    const password: PasswordHash | undefined =
      account.password === undefined || account.password === ''
        ? undefined
        : await hashPassword(account.password);
    const stored: Stored = {
      name: account.name,
      ...(password === undefined ? {} : { password }),
      keys: [...(account.keys ?? [])],
      root: this.box.seal(new TextEncoder().encode(formatCap(root))),
      convergence: this.box.seal(randomBytes(32)),
      readOnly,
      createdAt: new Date().toISOString(),
    };
    this.accounts = [...this.accounts, stored];
    await this.save();
    return this.list().find((a) => a.name === account.name) as AccountSummary;
  }

  /**
   * Changes how an account logs in, or makes it read-only. Going back to read-write is refused:
   * a read-only account keeps only the read cap of its root, so there is no write cap to return.
   */
  async update(name: string, changes: AccountChanges): Promise<AccountSummary> {
    const current = this.find(name);
    if (changes.readOnly === false && current.readOnly)
      throw new AccountError('a read-only account cannot become writable (it holds only a read cap)');
    const password =
      changes.password === undefined
        ? current.password
        : changes.password === null || changes.password === ''
          ? undefined
          : await hashPassword(changes.password);
    const keys = changes.keys === undefined ? current.keys : [...changes.keys];
    if (password === undefined && keys.length === 0)
      throw new AccountError('an account needs a password or at least one public key to log in');
    let root = current.root;
    if (changes.readOnly === true && !current.readOnly) {
      const cap = parseCap(new TextDecoder().decode(this.box.open(current.root)));
      root = this.box.seal(new TextEncoder().encode(formatCap(readCapOf(cap) ?? cap)));
    }
    const { password: _old, ...rest } = current;
    const updated: Stored = {
      ...rest,
      ...(password === undefined ? {} : { password }),
      keys,
      root,
      readOnly: current.readOnly || changes.readOnly === true,
    };
    this.accounts = this.accounts.map((a) => (a.name === name ? updated : a));
    await this.save();
    return this.list().find((a) => a.name === name) as AccountSummary;
  }

  async remove(name: string): Promise<void> {
    if (!this.has(name)) throw new AccountError(`there is no account named "${name}"`);
    this.accounts = this.accounts.filter((a) => a.name !== name);
    await this.save();
  }

  secretsOf(name: string): AccountSecrets {
    const account = this.find(name);
    return {
      root: parseCap(new TextDecoder().decode(this.box.open(account.root))),
      convergenceSecret: this.box.open(account.convergence),
      readOnly: account.readOnly,
    };
  }

  /** Checks a password in constant time; an unknown account or one without password is false. */
  async checkPassword(name: string, password: string): Promise<boolean> {
    const account = this.accounts.find((a) => a.name === name);
    if (account?.password === undefined) return false;
    return verifyPassword(password, account.password);
  }

  /** Whether the account lists this key (type and blob). */
  hasKey(name: string, type: string, data: string): boolean {
    return (
      this.accounts.find((a) => a.name === name)?.keys.some((k) => k.type === type && k.data === data) ??
      false
    );
  }

  private find(name: string): Stored {
    const account = this.accounts.find((a) => a.name === name);
    if (account === undefined) throw new AccountError(`there is no account named "${name}"`);
    return account;
  }

  private async save(): Promise<void> {
    const content = { format: 'grid-sftp-accounts', version: 1, accounts: this.accounts };
    await writeFileAtomic(this.file, `${JSON.stringify(content, null, 2)}\n`, 0o600);
    this.loadedVersion = await versionOf(this.file);
  }
}

/** Identifies one state of the file (atomic writes replace it: a new inode, a new mtime). */
async function versionOf(file: string): Promise<string> {
  try {
    const info = await stat(file);
    return `${info.ino}:${info.mtimeMs}:${info.size}`;
  } catch {
    return 'absent';
  }
}
