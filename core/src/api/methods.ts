import type {
  AccountView,
  AppSnapshot,
  HealthAction,
  HealthJobView,
  ServerView,
  StorageNodeView,
} from './views.js';

export type NoParams = Readonly<Record<string, never>>;

/** A new account, as the Add account form and `grid-sftp account add` describe it. */
export interface AccountInput {
  readonly name: string;
  /** Omitted or empty: no password login. */
  readonly password?: string;
  /** OpenSSH public key lines (`ssh-ed25519 AAAA… comment`). */
  readonly publicKeys: readonly string[];
  /** A fresh directory, or an existing directory cap (write or read cap). */
  readonly root: { readonly kind: 'new' } | { readonly kind: 'cap'; readonly cap: string };
  readonly readOnly: boolean;
}

/** Changes to an account; what is omitted stays as it is. */
export interface AccountUpdate {
  readonly name: string;
  /** A new password; `null` removes password login. */
  readonly password?: string | null;
  /** Replaces every key. */
  readonly publicKeys?: readonly string[];
  /** Only from writable to read-only (a read-only account has no write cap to go back to). */
  readonly readOnly?: boolean;
}

export type HealthTarget = { readonly account: string } | { readonly cap: string };

/**
 * Every request the UI (or any client of the service) may make, with its parameters and the
 * value of its successful result. The service answers each with a `Result`.
 */
export interface ApiMethods {
  getSnapshot: { params: NoParams; result: AppSnapshot };
  startServer: { params: NoParams; result: ServerView };
  stopServer: { params: NoParams; result: ServerView };
  disconnectSession: { params: { readonly id: string }; result: null };
  addAccount: { params: AccountInput; result: AccountView };
  updateAccount: { params: AccountUpdate; result: AccountView };
  removeAccount: { params: { readonly name: string }; result: null };
  retryCommit: { params: { readonly id: string }; result: null };
  discardCommit: { params: { readonly id: string }; result: null };
  addLocalNode: { params: { readonly path: string }; result: StorageNodeView };
  refreshNodes: { params: NoParams; result: readonly StorageNodeView[] };
  startHealthJob: {
    params: { readonly action: HealthAction; readonly target: HealthTarget };
    result: HealthJobView;
  };
}

export type MethodName = keyof ApiMethods;
export type ParamsOf<M extends MethodName> = ApiMethods[M]['params'];
export type ValueOf<M extends MethodName> = ApiMethods[M]['result'];

/** The names at run time, in one place: the preload and the bridges expose exactly these. */
export const API_METHODS = [
  'getSnapshot',
  'startServer',
  'stopServer',
  'disconnectSession',
  'addAccount',
  'updateAccount',
  'removeAccount',
  'retryCommit',
  'discardCommit',
  'addLocalNode',
  'refreshNodes',
  'startHealthJob',
] as const satisfies readonly MethodName[];

// Fails to compile when a method is added to ApiMethods but not to API_METHODS.
type Missing = Exclude<MethodName, (typeof API_METHODS)[number]>;
const everyMethodListed: [Missing] extends [never] ? true : Missing = true;
void everyMethodListed;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && (API_METHODS as readonly string[]).includes(name);
}
