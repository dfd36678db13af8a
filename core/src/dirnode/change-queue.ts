import type { DirEntry } from './entries.js';

/** How long a change that nobody is blocked on may wait for an urgent one to publish with. */
export const COALESCE_MS = 50;
/** A directory that had an urgent change this recently is expected to have another soon. */
export const URGENT_PATTERN_MS = 200;

/**
 * A change to a directory's entries. It must be a pure function of the map it is given and must
 * throw (if it throws) before it touches the map: it may run several times, once per lost race,
 * and one change's failure must leave the others' input as it was.
 */
export type EntriesChange = (entries: Map<string, DirEntry>) => { result: unknown; changed: boolean };

export interface PendingChange {
  readonly change: EntriesChange;
  /** False for a change whose caller can wait a moment (a commit's link): see `ChangeQueues`. */
  readonly urgent: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface Queue {
  items: PendingChange[];
  running: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** When the last urgent change of this directory came in. */
  lastUrgent: number;
  /** How many changes the last publish carried, and when it ended. */
  lastBatch: number;
  lastBatchEnd: number;
}

/**
 * Group commit of directory changes, per directory (by storage index) and per grid: changes that
 * arrive while a publish of the directory is under way go out together in the next one, so N
 * files closed into one directory at about the same time cost far fewer than N publishes.
 *
 * Why batching keeps every guarantee of one-change-per-publish:
 * - Only one batch of a directory is published at a time in this grid, and changes are applied in
 *   the order they arrived, so the result is the one a queue of single changes would give.
 * - Each caller is answered only once the publish carrying its change has succeeded (or failed),
 *   so a CLOSE still reports the link it waited for, and test-and-set protects the whole batch
 *   against other processes exactly as it protects one change.
 * - A change that fails (a name already there, say) fails alone: it throws before touching the
 *   map, so the others apply to the same input they would have had without it.
 *
 * A change nobody is blocked on (`urgent` false: the link at the end of a commit) normally goes
 * out at once. But when the directory has just had urgent changes, it waits up to COALESCE_MS
 * for the next one and rides with it. That is the sshfs pattern: `cp` creates each file with
 * O_EXCL, which is published during OPEN while the client waits, and the previous file's link
 * comes in between; both then cost one publish instead of two in a row (the second of which the
 * next OPEN would queue behind). The same wait applies while changes stream in faster than
 * publishes go out (the last publish carried several, just now): `cp` into sshfs, whose OPENs no
 * longer wait for a publish (FileSystemSession.createExclusively), sends a file's link and the
 * next file's creation every few milliseconds, and each publish rewrites the whole directory on
 * every node, so fewer, fuller publishes are most of the saving. A client that waits for each
 * CLOSE (OpenSSH `sftp put`) makes no urgent changes and one change per publish, so its links
 * never wait.
 */
export class ChangeQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly coalesceMs = COALESCE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues a change of directory `si`; `publish` sends one batch (and settles its changes). */
  submit(
    si: string,
    change: EntriesChange,
    urgent: boolean,
    publish: (batch: readonly PendingChange[]) => Promise<void>,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(si);
      if (queue === undefined) {
        if (this.queues.size >= 1024) this.prune();
        queue = {
          items: [],
          running: false,
          timer: undefined,
          lastUrgent: -Infinity,
          lastBatch: 0,
          lastBatchEnd: -Infinity,
        };
        this.queues.set(si, queue);
      }
      if (urgent) queue.lastUrgent = this.now();
      queue.items.push({ change, urgent, resolve, reject });
      this.kick(si, queue, publish);
    });
  }

  /** Forgets idle directories (only their last urgent time, which then no longer matters much). */
  private prune(): void {
    for (const [si, queue] of this.queues)
      if (!queue.running && queue.items.length === 0 && queue.timer === undefined) this.queues.delete(si);
  }

  private kick(si: string, queue: Queue, publish: (batch: readonly PendingChange[]) => Promise<void>): void {
    if (queue.running || queue.items.length === 0) return;
    if (this.coalesceMs <= 0 || !this.expectingMore(queue) || queue.items.some((item) => item.urgent)) {
      void this.run(si, queue, publish);
      return;
    }
    queue.timer ??= setTimeout(() => {
      queue.timer = undefined;
      void this.run(si, queue, publish);
    }, this.coalesceMs);
  }

  private async run(
    si: string,
    queue: Queue,
    publish: (batch: readonly PendingChange[]) => Promise<void>,
  ): Promise<void> {
    if (queue.running) return;
    if (queue.timer !== undefined) clearTimeout(queue.timer);
    queue.timer = undefined;
    queue.running = true;
    try {
      do {
        const batch = queue.items.splice(0);
        try {
          await publish(batch);
        } catch (error) {
          // `publish` settles its changes itself; this only guards against a bug leaving them hanging.
          for (const item of batch) item.reject(error);
        }
        queue.lastBatch = batch.length;
        queue.lastBatchEnd = this.now();
        // What came in during that publish goes next: at once if anyone is blocked on it.
      } while (queue.items.some((item) => item.urgent));
    } finally {
      queue.running = false;
    }
    if (queue.items.length > 0) this.kick(si, queue, publish);
    else if (!this.expectingMore(queue)) this.queues.delete(si);
  }

  /**
   * Whether more changes of this directory are likely within COALESCE_MS: it just had an urgent
   * one (see the class comment), or its last publish carried several, just now (changes are
   * streaming in faster than publishes go out).
   */
  private expectingMore(queue: Queue): boolean {
    const now = this.now();
    if (now - queue.lastUrgent < URGENT_PATTERN_MS) return true;
    return queue.lastBatch > 1 && now - queue.lastBatchEnd < URGENT_PATTERN_MS;
  }
}
