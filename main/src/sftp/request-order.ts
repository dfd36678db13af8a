/**
 * The order requests of one session run in (DESIGN §4):
 *
 * - `data` (READ, WRITE) starts once every earlier `ordered` request has been answered, and runs
 *   alongside other data requests (the session orders work on one handle).
 * - `ordered` (everything else) starts once every earlier request has been answered, READ and
 *   WRITE included. So OPEN(CREAT) followed by LSTAT is answered in that order (sshfs pipelines
 *   them; a server that lets the LSTAT overtake fails `cp -r`), and CLOSE sees its writes done.
 * - `close` (CLOSE) starts like `ordered`, but later requests wait only until it has *started*,
 *   not until its commit has finished and it is answered.
 *
 * Why a CLOSE may be overtaken: the SFTP draft only asks that the results be those of the
 * requests run one at a time, and lets replies go out in any order. Once a CLOSE has started, the
 * handle is out of the table (a later request naming it fails, as it would afterwards) and the
 * file is registered as closed-and-committing with the session's heisenfiles, which every later
 * request that could see the difference waits for: STAT, OPEN, REMOVE, RENAME, SETSTAT, MKDIR,
 * link of that name, and OPENDIR/RMDIR of its directory (see FileSystemSession). The CLOSE reply
 * itself still carries the commit's outcome. sshfs does not wait for CLOSE replies, so this takes
 * a whole commit off the path of every file it copies; clients that do wait see no difference.
 */
export type RequestKind = 'data' | 'ordered' | 'close';

export class RequestOrder {
  /** Resolves when every request a new `ordered` one must wait for, except data ones, is done. */
  private barrier: Promise<void> = Promise.resolve();
  /** Data requests started after the barrier and not yet answered. */
  private readonly sinceBarrier = new Set<Promise<void>>();

  /** Runs `work` (which answers the request, and never rejects) when its turn comes. */
  schedule(kind: RequestKind, work: () => Promise<void>): Promise<void> {
    const start =
      kind === 'data'
        ? this.barrier
        : Promise.all([this.barrier, ...this.sinceBarrier]).then(() => undefined);
    let begun!: () => void;
    const begin = new Promise<void>((resolve) => (begun = resolve));
    const answered = start.then(() => {
      // `work` runs synchronously up to its first await: for CLOSE, that takes the handle out of
      // the table and marks the file closed, which is all a later request may rely on.
      try {
        return work();
      } finally {
        begun();
      }
    });
    if (kind === 'data') {
      this.sinceBarrier.add(answered);
      void answered.finally(() => this.sinceBarrier.delete(answered));
    } else {
      this.barrier = kind === 'close' ? begin : answered;
      this.sinceBarrier.clear();
    }
    return answered;
  }
}
