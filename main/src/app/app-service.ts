import { watchFile, unwatchFile } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  ActivityRegistry,
  CapError,
  HeisenfileRegistry,
  isDirectoryCap,
  parseCap,
  type Cap,
} from '@grid-sftp/core';
import {
  fail,
  isMethodName,
  ok,
  type AppEvent,
  type AppSnapshot,
  type HealthTarget,
  type MethodName,
  type ParamsOf,
  type Result,
  type ServerView,
  type StorageNodeView,
  type ValueOf,
} from '@grid-sftp/core/api';
import { AccountStore, accountsPath } from '../accounts/account-store.js';
import { SftpGateway } from '../gateway/gateway.js';
import { loadHostKeys, type HostKey } from '../gateway/host-keys.js';
import { addLocalNode, openHome, type OpenHome } from '../home/home.js';
import { keyFileSecretBox, type SecretBox } from '../home/secret-box.js';
import { AccountService } from './account-service.js';
import { ServerControl } from './server-control.js';
import { HealthJobs } from './health-jobs.js';
import { LogBook } from './log-book.js';
import { nodeViewOf } from './node-views.js';
import { fieldOf, PARAMS } from './params.js';
import { ServiceError } from './service-error.js';

export interface AppServiceOptions {
  readonly homeDir: string;
  /** Where the gateway listens once started (port 0: any free port, then kept across restarts). */
  readonly listen: { readonly host: string; readonly port: number };
  /** Seals secrets at rest; the desktop app passes one backed by Electron's safeStorage. */
  readonly secretBox?: SecretBox;
  /** Start the gateway at once (default true). */
  readonly autoStart?: boolean;
  /** Every log entry also goes here (the console of `serve`). */
  readonly onLog?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

type Handlers = { readonly [M in MethodName]: (params: ParamsOf<M>) => Promise<ValueOf<M>> };

/** How long close() waits for commits already running before it reports them as not finished. */
const DRAIN_MS = 30_000;
const NODE_REFRESH_MS = 30_000;

/**
 * The app (DESIGN §5): owns the home's grid, the accounts, the host keys, the gateway and one
 * event stream. Both shells (Electron IPC, the headless WebSocket) and the CLI reach it through
 * `call`, which validates every input and answers with a Result; nothing it returns or pushes
 * holds a cap or a secret.
 */
export class AppService {
  private readonly listeners = new Set<(event: AppEvent) => void>();
  private readonly activity = new ActivityRegistry();
  private readonly heisenfiles = new HeisenfileRegistry();
  private readonly logs: LogBook;
  private readonly jobs: HealthJobs;
  readonly accounts: AccountService;
  private readonly server: ServerControl;
  private nodes: StorageNodeView[] = [];
  private readonly stopWatching: Array<() => void> = [];

  private constructor(
    private readonly home: OpenHome,
    private readonly store: AccountStore,
    private readonly hostKeys: readonly HostKey[],
    private readonly spoolDir: string,
    private readonly options: AppServiceOptions,
  ) {
    this.logs = new LogBook((entry) => {
      options.onLog?.(entry.level, entry.message);
      this.emit({ type: 'log', entry });
    });
    this.jobs = new HealthJobs(
      () => this.home.grid(),
      (job) => this.emit({ type: 'job', job }),
      (level, message) => this.logs.add(level, message),
    );
    this.accounts = new AccountService(store, () => this.home.grid().createDirectory());
    this.server = new ServerControl({
      listen: options.listen,
      hostKeys: hostKeys.map(({ type, fingerprint }) => ({ type, fingerprint })),
      makeGateway: () =>
        new SftpGateway({
          grid: this.home.grid(),
          accounts: this.store,
          hostKeys: this.hostKeys,
          heisenfiles: this.heisenfiles,
          activity: this.activity,
          spoolDir: this.spoolDir,
          log: (level, message) => this.logs.add(level, message),
          sessions: {
            added: (session) => this.emit({ type: 'session-added', session }),
            removed: (id) => this.emit({ type: 'session-removed', id }),
          },
        }),
      log: (level, message) => this.logs.add(level, message),
      changed: (server) => this.emit({ type: 'server', server }),
    });
    this.stopWatching.push(this.activity.subscribe((event) => this.emit(event)));
    this.stopWatching.push(this.watchAccounts());
    const timer = setInterval(() => void this.refreshNodes().catch(() => undefined), NODE_REFRESH_MS);
    timer.unref();
    this.stopWatching.push(() => clearInterval(timer));
  }

  static async open(options: AppServiceOptions): Promise<AppService> {
    const homeDir = resolve(options.homeDir);
    const early: string[] = [];
    const home = await openHome(homeDir, (message) => early.push(message));
    try {
      const box = options.secretBox ?? (await keyFileSecretBox(homeDir));
      const store = await AccountStore.open(homeDir, box);
      const hostKeys = await loadHostKeys(homeDir, box);
      const spoolDir = join(homeDir, 'spool');
      // Spools of a previous run belong to handles that no longer exist: nothing can commit them.
      await rm(spoolDir, { recursive: true, force: true });
      await mkdir(spoolDir, { recursive: true, mode: 0o700 });
      const service = new AppService(home, store, hostKeys, spoolDir, options);
      for (const message of early) service.logs.add('warn', message);
      await service.refreshNodes();
      if (options.autoStart !== false) {
        const started = await service.call('startServer', {});
        if (!started.ok) throw new ServiceError(started.error.code, started.error.message);
      }
      return service;
    } catch (error) {
      await home.close().catch(() => undefined);
      throw error;
    }
  }

  /** The one way in: validates `params` for `method`, runs it, and never throws. */
  async call(method: MethodName, params: unknown): Promise<Result<unknown>> {
    if (!isMethodName(method)) return fail('invalid-input', `there is no method "${String(method)}"`);
    const parsed = PARAMS[method].safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
      return fail(
        'invalid-input',
        `${where}${issue?.message ?? 'invalid input'}`,
        fieldOf(issue?.path ?? []),
      );
    }
    try {
      const handler = this.handlers[method] as (p: unknown) => Promise<unknown>;
      return ok(await handler(parsed.data));
    } catch (error) {
      if (error instanceof ServiceError) return fail(error.code, error.message, error.field);
      if (error instanceof CapError) return fail('invalid-input', error.message);
      const message = scrubCaps(error instanceof Error ? error.message : String(error));
      this.logs.add('error', `${method} failed: ${message}`);
      return fail('internal', message);
    }
  }

  /** `call` with the contract's types, for callers in this process (the CLI, `serve`). */
  request<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<Result<ValueOf<M>>> {
    return this.call(method, params) as Promise<Result<ValueOf<M>>>;
  }

  subscribe(listener: (event: AppEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.logs.add(level, message);
  }

  get serverState(): ServerView {
    return this.server.state;
  }

  /** Commits not yet finished (closing or committing): what a quit should wait for. */
  pendingCommits(): number {
    return this.activity.snapshot().filter((h) => h.state === 'closing' || h.state === 'committing').length;
  }

  /** Stops cleanly: waits for running commits (up to 30 s, each reported when it did not finish). */
  async close(): Promise<void> {
    for (const stop of this.stopWatching.splice(0)) stop();
    const running = this.activity.snapshot().filter((h) => h.state === 'closing' || h.state === 'committing');
    if (running.length > 0) this.logs.add('info', `waiting for ${running.length} running commit(s)`);
    await Promise.all(
      running.map((h) =>
        this.activity
          .waitFor((s) => s.id === h.id && s.state !== 'closing' && s.state !== 'committing', DRAIN_MS)
          .catch(() =>
            this.logs.add('warn', `commit of ${h.path} (${h.account}) did not finish before the stop`),
          ),
      ),
    );
    await this.server.stop();
    await this.home.close();
    await rm(this.spoolDir, { recursive: true, force: true });
  }

  private readonly handlers: Handlers = {
    getSnapshot: () => this.snapshot(),
    startServer: () => this.server.start(),
    stopServer: () => this.server.stop(),
    disconnectSession: ({ id }) => {
      if (!this.server.disconnect(id))
        throw new ServiceError('not-found', 'that session is no longer connected');
      return Promise.resolve(null);
    },
    addAccount: async (input) => {
      const view = await this.accounts.add(input);
      this.logs.add('info', `account ${view.name} added${view.readOnly ? ' (read-only)' : ''}`);
      await this.emitAccounts();
      return view;
    },
    updateAccount: async (update) => {
      const view = await this.accounts.update(update);
      this.logs.add('info', `account ${view.name} changed`);
      await this.emitAccounts();
      return view;
    },
    removeAccount: async ({ name }) => {
      await this.accounts.remove(name);
      this.logs.add('info', `account ${name} removed (its files stay in the grid)`);
      await this.emitAccounts();
      return null;
    },
    retryCommit: async ({ id }) => {
      await this.activityAction(() => this.activity.retry(id));
      return null;
    },
    discardCommit: async ({ id }) => {
      await this.activityAction(() => Promise.resolve(this.activity.discard(id)));
      return null;
    },
    addLocalNode: async ({ path }) => this.addNode(path),
    refreshNodes: () => this.refreshNodes(),
    startHealthJob: async ({ action, target }) => {
      const { root, label } = await this.healthTarget(target);
      return this.jobs.start(action, root, label);
    },
  };

  private async snapshot(): Promise<AppSnapshot> {
    return {
      server: this.server.state,
      sessions: this.server.sessions(),
      accounts: await this.accounts.list(),
      handles: this.activity.snapshot(),
      nodes: this.nodes,
      encoding: { ...this.home.encoding },
      logs: this.logs.recent(),
      jobs: this.jobs.list(),
    };
  }

  private async addNode(path: string): Promise<StorageNodeView> {
    let entry;
    try {
      entry = await addLocalNode(this.home.dir, path);
    } catch (error) {
      throw new ServiceError('invalid-input', error instanceof Error ? error.message : String(error), 'path');
    }
    const attached = await this.home.attach(entry);
    this.logs.add('info', `storage node ${entry.id} added at ${attached.path}: new uploads may use it now`);
    const views = await this.refreshNodes();
    const view = views.find((v) => v.id === entry.id);
    if (view === undefined)
      throw new ServiceError('internal', `node ${entry.id} was added but is not listed`);
    return view;
  }

  private async refreshNodes(): Promise<StorageNodeView[]> {
    const views = await Promise.all(this.home.nodes.map(nodeViewOf));
    const before = new Map(this.nodes.map((n) => [n.id, n.ok]));
    for (const view of views) {
      if (before.get(view.id) === true && !view.ok)
        this.logs.add('warn', `node ${view.id} is unavailable: ${view.error ?? ''}`);
      if (before.get(view.id) === false && view.ok) this.logs.add('info', `node ${view.id} is back`);
    }
    this.nodes = views;
    this.emit({ type: 'nodes', nodes: views });
    return views;
  }

  private async healthTarget(target: HealthTarget): Promise<{ root: Cap; label: string }> {
    if ('account' in target) {
      await this.store.refresh();
      if (!this.store.has(target.account))
        throw new ServiceError('not-found', `there is no account named "${target.account}"`, 'target');
      return { root: this.store.secretsOf(target.account).root, label: `account ${target.account}` };
    }
    let cap: Cap;
    try {
      cap = parseCap(target.cap.trim());
    } catch (error) {
      throw new ServiceError('invalid-input', error instanceof Error ? error.message : 'not a cap', 'target');
    }
    if (cap.kind === 'unknown')
      throw new ServiceError('invalid-input', 'an unknown kind of cap cannot be checked', 'target');
    return {
      root: cap,
      label: `${isDirectoryCap(cap) ? 'directory' : 'file'} ${target.cap.trim().slice(0, 16)}…`,
    };
  }

  private async activityAction(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      throw new ServiceError('not-found', error instanceof Error ? error.message : String(error));
    }
  }

  /** `grid-sftp account add` in another process changes the file: the UI should see it too. */
  private watchAccounts(): () => void {
    const file = accountsPath(this.home.dir);
    const listener = (): void => void this.emitAccounts().catch(() => undefined);
    watchFile(file, { interval: 1000, persistent: false }, listener);
    return () => unwatchFile(file, listener);
  }

  private async emitAccounts(): Promise<void> {
    this.emit({ type: 'accounts', accounts: await this.accounts.list() });
  }

  private emit(event: AppEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One broken listener (a UI gone away) must not stop the others or the service.
      }
    }
  }
}

/** Error messages may quote a cap; a cap is a secret and never leaves the service. */
function scrubCaps(message: string): string {
  return message.replace(/gs1-[a-z0-9-]{8,}/gi, 'gs1-…');
}
