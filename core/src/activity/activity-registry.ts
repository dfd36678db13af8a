import { randomUUID } from 'node:crypto';
import { canMove, HandleStateError, isFinal, type HandleState } from './handle-state.js';
import type { ActivityEvent, CommitProgress, HandleSnapshot } from './handle-snapshot.js';

export interface HandleInit {
  readonly sessionId: string;
  readonly account: string;
  readonly path: string;
  readonly flags: readonly string[];
}

export interface RegistryOptions {
  /** Finished handles kept for the UI's "recently finished" list (failed ones are kept until discarded). */
  readonly historyLimit?: number;
  /** At most this many byte-count updates per second and handle reach listeners; state changes always do. */
  readonly updatesPerSecond?: number;
  readonly now?: () => number;
}

type Listener = (event: ActivityEvent) => void;

/**
 * Every open handle and every commit as a live object (DESIGN §3 "pending commits are visible"):
 * the session updates it, the UI and the tests read snapshots and follow change events. Failed
 * commits stay until someone retries or discards them, so a failure is never silently dropped.
 */
export class ActivityRegistry {
  private readonly live = new Map<string, HandleActivity>();
  private readonly history: string[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly historyLimit: number;
  readonly minUpdateInterval: number;
  readonly now: () => number;

  constructor(options: RegistryOptions = {}) {
    this.historyLimit = options.historyLimit ?? 200;
    this.minUpdateInterval = 1000 / (options.updatesPerSecond ?? 10);
    this.now = options.now ?? Date.now;
  }

  open(init: HandleInit): HandleActivity {
    const handle = new HandleActivity(this, randomUUID(), init);
    this.live.set(handle.id, handle);
    this.emit({ type: 'handle-added', handle: handle.snapshot() });
    return handle;
  }

  get(id: string): HandleActivity | undefined {
    return this.live.get(id);
  }

  /** Every handle known: open ones, commits in flight, failed ones and recent history. */
  snapshot(): HandleSnapshot[] {
    return [...this.live.values()].map((handle) => handle.snapshot());
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first snapshot (now or later) that satisfies `predicate`. */
  waitFor(predicate: (handle: HandleSnapshot) => boolean, timeoutMs = 30_000): Promise<HandleSnapshot> {
    const found = this.snapshot().find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`no handle reached the awaited state within ${timeoutMs} ms`));
      }, timeoutMs);
      const unsubscribe = this.subscribe((event) => {
        if (event.type !== 'handle-removed' && predicate(event.handle)) {
          clearTimeout(timer);
          unsubscribe();
          resolve(event.handle);
        }
      });
    });
  }

  /** Handles not yet final (what a dropped session or a shutdown must deal with). */
  unfinished(): HandleActivity[] {
    return [...this.live.values()].filter((handle) => !isFinal(handle.state) && handle.state !== 'failed');
  }

  /** Tries a failed commit again. */
  async retry(id: string): Promise<void> {
    const handle = this.live.get(id);
    if (handle?.state !== 'failed' || handle.retryAction === undefined)
      throw new Error('there is no failed commit to retry with that id');
    await handle.retryAction();
  }

  /** Gives up a failed commit for good: it is abandoned and leaves the list. */
  discard(id: string): void {
    const handle = this.live.get(id);
    if (handle?.state !== 'failed') throw new Error('there is no failed commit to discard with that id');
    const cleanup = handle.discardAction;
    handle.moveTo('abandoned', 'discarded by the user');
    cleanup?.();
  }

  /** @internal */
  emit(event: ActivityEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener (a UI gone away) must not break the session that reports.
      }
    }
  }

  /** @internal: a handle reached a final state; keep it a while for the UI, then forget it. */
  finished(handle: HandleActivity): void {
    this.history.push(handle.id);
    while (this.history.length > this.historyLimit) {
      const oldest = this.history.shift() as string;
      if (this.live.delete(oldest)) this.emit({ type: 'handle-removed', id: oldest });
    }
  }
}

/** The live object of one handle, owned by the session that opened it. */
export class HandleActivity {
  private current: HandleState = 'open';
  private path: string;
  private bytesRead = 0;
  private bytesWritten = 0;
  private readonly openedAt: number;
  private closedAt: number | undefined;
  private finishedAt: number | undefined;
  private commit: CommitProgress | undefined;
  private reason: string | undefined;
  private lastUpdate = 0;
  private pendingUpdate: ReturnType<typeof setTimeout> | undefined;
  retryAction: (() => Promise<void>) | undefined;
  /** Frees what a failed commit kept for a retry (its spool) when the user discards it. */
  discardAction: (() => void) | undefined;

  constructor(
    private readonly registry: ActivityRegistry,
    readonly id: string,
    private readonly init: HandleInit,
  ) {
    this.path = init.path;
    this.openedAt = registry.now();
  }

  get state(): HandleState {
    return this.current;
  }

  snapshot(): HandleSnapshot {
    return {
      id: this.id,
      sessionId: this.init.sessionId,
      account: this.init.account,
      path: this.path,
      flags: [...this.init.flags],
      state: this.current,
      bytesRead: this.bytesRead,
      bytesWritten: this.bytesWritten,
      openedAt: this.openedAt,
      ...(this.closedAt === undefined ? {} : { closedAt: this.closedAt }),
      ...(this.finishedAt === undefined ? {} : { finishedAt: this.finishedAt }),
      ...(this.commit === undefined ? {} : { commit: { ...this.commit } }),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      retryable: this.current === 'failed' && this.retryAction !== undefined,
    };
  }

  read(bytes: number): void {
    this.bytesRead += bytes;
    this.changedSoon();
  }

  wrote(bytes: number): void {
    this.bytesWritten += bytes;
    this.changedSoon();
  }

  renamed(path: string): void {
    this.path = path;
    this.changedNow();
  }

  closing(): void {
    this.closedAt = this.registry.now();
    this.moveTo('closing');
  }

  committing(bytesTotal: number): void {
    this.commit = { bytesDone: 0, bytesTotal, startedAt: this.registry.now() };
    this.reason = undefined;
    this.moveTo('committing');
  }

  progress(bytesDone: number, nodesWritten?: number): void {
    if (this.commit === undefined) return;
    this.commit = { ...this.commit, bytesDone, ...(nodesWritten === undefined ? {} : { nodesWritten }) };
    this.changedSoon();
  }

  committed(nodesWritten?: number): void {
    if (this.commit !== undefined) {
      this.commit = {
        ...this.commit,
        bytesDone: this.commit.bytesTotal,
        ...(nodesWritten === undefined ? {} : { nodesWritten }),
      };
    }
    this.moveTo('committed');
  }

  /** Closed with nothing to commit (read-only or unchanged). */
  closed(): void {
    this.moveTo('closed');
  }

  failed(reason: string, retry?: () => Promise<void>, discard?: () => void): void {
    this.retryAction = retry;
    this.discardAction = discard;
    this.moveTo('failed', reason);
  }

  abandoned(reason: string): void {
    this.moveTo('abandoned', reason);
  }

  /** @internal */
  moveTo(next: HandleState, reason?: string): void {
    if (!canMove(this.current, next)) throw new HandleStateError(this.current, next);
    this.current = next;
    if (reason !== undefined) this.reason = reason;
    if (isFinal(next)) {
      this.finishedAt = this.registry.now();
      this.retryAction = undefined;
      this.discardAction = undefined;
    }
    this.changedNow();
    if (isFinal(next)) this.registry.finished(this);
  }

  private changedNow(): void {
    if (this.pendingUpdate !== undefined) clearTimeout(this.pendingUpdate);
    this.pendingUpdate = undefined;
    this.lastUpdate = this.registry.now();
    this.registry.emit({ type: 'handle-changed', handle: this.snapshot() });
  }

  /** Byte counts change with every SFTP packet: listeners get them at a bounded rate. */
  private changedSoon(): void {
    const wait = this.lastUpdate + this.registry.minUpdateInterval - this.registry.now();
    if (wait <= 0) {
      this.changedNow();
      return;
    }
    if (this.pendingUpdate === undefined) {
      this.pendingUpdate = setTimeout(() => this.changedNow(), wait);
      this.pendingUpdate.unref?.();
    }
  }
}
