import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EXTENT, ExtentCipher } from './extent-cipher.js';
import { IntervalSet, type Range } from './interval-set.js';
import { SerialQueue } from './serial-queue.js';
import { SftpError, SftpStatus } from '../vfs/sftp-status.js';
import { SpillingSpoolFile } from './spilling-spool-file.js';
import { openSpoolFile, readFully, SpoolError, writeFully, type SpoolFile } from './spool-file.js';

export { SpoolError, type SpoolFile } from './spool-file.js';

export interface EncryptedSpoolOptions {
  /** Folder for the temporary file. */
  dir: string;
  /** Initial logical size: the size of the existing content that fill() will bring (0: none). */
  size?: number;
  /** Opens the temp file; for tests that inject I/O errors. */
  openFile?: (path: string) => Promise<SpoolFile>;
  /**
   * Content up to this many bytes stays in memory (encrypted all the same) and the temp file is
   * made only when a write goes past it (SpillingSpoolFile). 0, the default: a file from the start.
   */
  memoryLimit?: number;
  /** Writes go behind (see EncryptedSpool) once this many bytes were written; default 1 MiB. */
  writeBehindAfter?: number;
}

type FillState = 'pending' | 'running' | 'done' | 'failed';
/** true: ready; an Error: will never be ready; false: not yet. */
type Readiness = true | Error | false;

interface Waiter {
  check: () => Readiness;
  resolve: () => void;
  reject: (err: Error) => void;
}

const DEFAULT_CHUNK = 256 * 1024;
/** Withheld bytes are brought back in pieces of this size (see restore). */
const RESTORE_PIECE = 1024 * 1024;
const CONTENT_LOST =
  'the part of this file already streamed to the grid could not be read back (too few intact shares are ' +
  'left), so the file cannot be committed';
/** A file's first bytes are always written before write() resolves (see canWriteBehind). */
const WRITE_BEHIND_AFTER = 1024 * 1024;
/** Ciphertext waiting for the disk, per spool, before write() waits for the disk again. */
const WRITE_BEHIND_LIMIT = 4 * 1024 * 1024;

/**
 * The spool of a heisenfile (DESIGN §3, Tahoe's OverwriteableFileConsumer): the logical content
 * of a file open for writing, kept encrypted in a sparse temp file until it is uploaded at close.
 *
 * State: `live` holds the ranges whose bytes are on disk (written or filled); everything else
 * below `size` is a hole that reads as zeros without touching the disk. The existing content
 * arrives by fill() into [0, fillEnd) and never overwrites live bytes, so the user's writes win.
 *
 * Ordering: user operations (write, read, setSize) run one at a time in issue order (`ops`), so a
 * read issued after a write sees it, and one issued before does not see a later write, even when
 * it has to wait for the fill. Every touch of the file and of the extent state happens under
 * `disk`, which fill chunks take too; nothing waits while holding it, so a read that waits for
 * the fill (holding `ops`, not `disk`) cannot deadlock it.
 *
 * Write-behind: once a file is past its first MiB, a write of fresh positions is encrypted at
 * once into a buffer of ours and its disk write queued on `disk`; write() resolves without
 * waiting for the disk. Waiting for each WRITE's trip through the thread pool took half the time
 * of a large SFTP upload. Why this keeps the ordering above: the state (live, used, size) changes
 * under `ops` at the write's turn, as if the write had run, and every later touch of the file
 * queues on `disk` behind the pending write, so a later read, truncate or rewrite finds the bytes
 * on disk. Only when the fill is done is this allowed, so no fill chunk is waiting on `disk` to
 * consult `live` in between. A pending write that fails marks the spool damaged: every later
 * operation rejects with that error (the next WRITE, at the latest the CLOSE), and the upload
 * never reads the missing bytes. Like a page cache, a disk error may thus surface one operation
 * late; small files keep it on the write itself.
 */
export class EncryptedSpool {
  readonly path: string;
  private readonly cipher = new ExtentCipher();
  /** Positions holding data (written or filled). */
  private readonly live = new IntervalSet();
  /** Positions that ever held ciphertext under their extent's current generation (see ExtentCipher). */
  private readonly used = new IntervalSet();
  private readonly ops = new SerialQueue();
  private readonly disk = new SerialQueue();
  private readonly waiters = new Set<Waiter>();
  private logicalSize: number;
  /** Length of the file on disk (an upper bound), to know when a truncate must shrink it. */
  private diskLength = 0;
  private written = 0;
  /** The fill brings [0, fillEnd): the existing size, lowered by every truncation. */
  private fillEnd: number;
  /** The fill has delivered every byte below this. */
  private fillPoint = 0;
  private fillState: FillState;
  private fillError: Error | undefined;
  private fillCalled = false;
  private onFillStop: (() => void) | undefined;
  /** A failed rewrite that could not be undone leaves content we cannot trust. */
  private damage: Error | undefined;
  /** Bytes written behind (see the class comment) and not yet on disk. */
  private behind = 0;
  /** Contiguous bytes written behind and not yet handed to `disk` (see writeBehind). */
  private pending: { offset: number; buffer: Uint8Array; length: number } | undefined;
  /** Content from here to the size is held elsewhere until `restore` (see withhold). */
  private withheldFrom: number | undefined;
  private destroying: Promise<void> | undefined;

  private constructor(
    private readonly file: SpoolFile,
    path: string,
    size: number,
    private readonly writeBehindAfter: number,
  ) {
    this.path = path;
    this.logicalSize = size;
    this.fillEnd = size;
    this.fillState = size > 0 ? 'pending' : 'done';
  }

  static async create(options: EncryptedSpoolOptions): Promise<EncryptedSpool> {
    const size = options.size ?? 0;
    checkOffset(size, 'size');
    const path = join(options.dir, `spool-${randomBytes(12).toString('hex')}.tmp`);
    const openFile = (): Promise<SpoolFile> => (options.openFile ?? openSpoolFile)(path);
    const memoryLimit = options.memoryLimit ?? 0;
    const file =
      memoryLimit > 0
        ? new SpillingSpoolFile(memoryLimit, openFile, () => rm(path, { force: true }))
        : await openFile();
    return new EncryptedSpool(file, path, size, options.writeBehindAfter ?? WRITE_BEHIND_AFTER);
  }

  /** The logical size, as of the last operation that ran. */
  get size(): number {
    return this.logicalSize;
  }

  /** Bytes accepted by write(), for the UI. */
  get bytesWritten(): number {
    return this.written;
  }

  /** Some of the content is held elsewhere (see withhold). */
  get withholding(): boolean {
    return this.withheldFrom !== undefined;
  }

  /** Number of data extents (for tests and diagnostics: stays small under merging). */
  get extentCount(): number {
    return this.live.count;
  }

  /**
   * `data` must stay unchanged until the returned promise settles: it is encrypted when the write
   * gets its turn, not copied first (a copy of every WRITE's bytes measured as a third of the
   * gateway's allocations while it receives a file, and so of its garbage collection).
   */
  write(offset: number, data: Uint8Array): Promise<void> {
    const failure = this.refuse() ?? badOffset(offset, 'offset');
    if (failure) return Promise.reject(failure);
    return this.ops.run(() => {
      if (this.withheldFrom !== undefined && offset + data.length > this.withheldFrom)
        return Promise.reject(withheldError());
      if (this.canWriteBehind(offset, data.length)) {
        this.writeBehind(offset, data);
        return Promise.resolve();
      }
      return this.toDisk(async () => {
        this.assertOpen();
        if (this.damage) throw this.damage;
        await this.writeRange(offset, data);
        this.written += data.length;
        if (data.length > 0) this.logicalSize = Math.max(this.logicalSize, offset + data.length);
        this.notify();
      });
    });
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    const failure = this.refuse() ?? badOffset(offset, 'offset') ?? badOffset(length, 'length');
    if (failure) return Promise.reject(failure);
    return this.ops.run(async () => {
      this.assertOpen();
      const end = Math.min(offset + length, this.logicalSize);
      if (offset >= end) return new Uint8Array(0);
      if (this.withheldFrom !== undefined && end > this.withheldFrom) throw withheldError();
      // Waits holding `ops` only: the size and the live set cannot change under us meanwhile.
      await this.waitFor(() => this.readiness(offset, end));
      return this.toDisk(async () => {
        this.assertOpen();
        if (this.damage) throw this.damage;
        return this.readRange(offset, end);
      });
    });
  }

  setSize(size: number): Promise<void> {
    const failure = this.refuse() ?? badOffset(size, 'size');
    if (failure) return Promise.reject(failure);
    return this.ops.run(() =>
      this.toDisk(async () => {
        this.assertOpen();
        if (this.damage) throw this.damage;
        if (this.withheldFrom !== undefined) throw withheldError();
        if (size < this.logicalSize) {
          // Forget the data past the end so a later extension reads zeros, not stale bytes. `used`
          // keeps those positions: their old ciphertext may be in someone's snapshot.
          this.live.remove(size, Infinity);
          this.fillEnd = Math.min(this.fillEnd, size);
          if (this.diskLength > size) {
            await this.file.truncate(size);
            this.diskLength = size;
          }
        }
        // Growing is free: the new bytes are a hole.
        this.logicalSize = size;
        this.notify();
      }),
    );
  }

  /**
   * Appends [offset, offset + length) without taking its bytes: a streaming upload holds them
   * (SequentialUploadFeed), and writing them here too doubled what an upload wrote to the disk.
   * The size grows; nothing is encrypted or written. Until `restore` brings the bytes in, a read,
   * write or size change that touches them rejects, so no reader ever gets zeros in their place.
   * Only at the end of a file that has no existing content to fill in.
   */
  withhold(offset: number, length: number): Promise<void> {
    const failure = this.refuse() ?? badOffset(offset, 'offset') ?? badOffset(length, 'length');
    if (failure) return Promise.reject(failure);
    return this.ops.run(() => {
      this.assertOpen();
      if (this.damage) throw this.damage;
      if (offset !== this.logicalSize || this.fillState !== 'done')
        throw new SpoolError('only bytes appended to a file with no content to fill in can be withheld');
      if (length === 0) return Promise.resolve();
      this.withheldFrom ??= offset;
      this.logicalSize += length;
      this.written += length;
      this.notify();
      return Promise.resolve();
    });
  }

  /**
   * Brings the withheld bytes in, asking `source` for them piece by piece. When the source
   * fails, the content is lost: the spool is marked damaged (every later operation rejects with
   * that error) and restore rejects with it.
   */
  restore(source: (offset: number, length: number) => Promise<Uint8Array>): Promise<void> {
    const failure = this.refuse();
    if (failure) return Promise.reject(failure);
    return this.ops.run(async () => {
      const from = this.withheldFrom;
      if (from === undefined) return;
      const end = this.logicalSize;
      try {
        for (let at = from; at < end;) {
          const piece = await source(at, Math.min(RESTORE_PIECE, end - at));
          if (piece.length === 0) throw new SpoolError(`no bytes at ${at} of the ${end} withheld`);
          await this.toDisk(async () => {
            this.assertOpen();
            if (this.damage) throw this.damage;
            await this.writeRange(at, piece);
          });
          at += piece.length;
        }
        this.withheldFrom = undefined;
      } catch (err) {
        // A status the client sees as it is: the text is ours, and says what happened.
        const lost = new SftpError(SftpStatus.FAILURE, CONTENT_LOST);
        lost.cause = err;
        this.damage ??= lost;
        this.withheldFrom = undefined;
        this.notify();
        throw this.damage;
      }
    });
  }

  /**
   * Background fill with the existing content: `source` yields it in order from offset 0, `total`
   * bytes in all. Bytes written meanwhile win; bytes past a truncation are dropped. Stops early
   * when nothing is left to bring (all overwritten or truncated). Never rejects for a failure of
   * the source or the disk (so it can run unattended): the failure is remembered, and whenFilled()
   * and the reads that need missing bytes reject with it.
   */
  async fill(source: AsyncIterable<Uint8Array>, total: number): Promise<void> {
    const failure = this.refuse() ?? badOffset(total, 'total');
    if (failure) throw failure;
    if (this.fillCalled) throw new SpoolError('fill() was already called on this spool');
    this.fillCalled = true;
    this.fillEnd = Math.min(this.fillEnd, total);
    this.notify();
    if (this.fillState !== 'pending') return;
    this.fillState = 'running';
    // Settles when the fill is no longer needed (done early, truncated, destroyed), so we stop
    // waiting on a source that may never deliver again.
    const stopped = new Promise<'stopped'>((resolve) => (this.onFillStop = () => resolve('stopped')));
    const chunks = source[Symbol.asyncIterator]();
    try {
      while (this.fillRunning()) {
        const next = await Promise.race([chunks.next(), stopped]);
        if (next === 'stopped' || next.done === true) break;
        await this.toDisk(() => this.applyFillChunk(next.value));
        this.notify();
      }
      if (this.fillRunning())
        this.failFill(
          new SpoolError(`the existing content ended after ${this.fillPoint} of ${this.fillEnd} bytes`),
        );
      else chunks.return?.().catch(() => undefined); // tell the source to stop (not awaited: it may be stuck)
    } catch (err) {
      this.failFill(err instanceof Error ? err : new SpoolError(String(err), { cause: err }));
    } finally {
      this.onFillStop = undefined;
    }
  }

  /** Resolves when the whole existing content is in (at once if there was none); rejects with the fill's error. */
  whenFilled(): Promise<void> {
    return this.waitFor(() => {
      if (this.destroying) return destroyedError();
      if (this.fillState === 'done') return true;
      return this.fillState === 'failed' ? this.fillError! : false;
    });
  }

  /** The plaintext from offset 0 to the size, chunk by chunk: each chunk waits only for its own bytes. */
  async *stream(chunkSize = DEFAULT_CHUNK): AsyncIterable<Uint8Array> {
    if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0)
      throw new RangeError('chunkSize must be positive');
    for (let at = 0; at < this.logicalSize;) {
      const chunk = await this.read(at, chunkSize);
      if (chunk.length === 0) break;
      yield chunk;
      at += chunk.length;
    }
  }

  /** Closes and unlinks the temp file and forgets the key. Idempotent; later calls fail clearly. */
  destroy(): Promise<void> {
    if (this.destroying) return this.destroying;
    const stoppedFill = this.fillRunning();
    this.destroying = this.toDisk(async () => {
      try {
        await this.file.close();
      } finally {
        if (this.file.onDisk !== false) await rm(this.path, { force: true });
        this.cipher.wipe();
      }
    });
    if (stoppedFill) this.failFill(destroyedError());
    this.notify(); // rejects the waiting reads
    return this.destroying;
  }

  // ---- internals (all run under `disk` unless noted) ----

  /** Under `ops`: may this write go behind? (See the class comment.) */
  private canWriteBehind(offset: number, length: number): boolean {
    return (
      length > 0 &&
      this.written >= this.writeBehindAfter &&
      this.behind + length <= WRITE_BEHIND_LIMIT &&
      this.fillState === 'done' &&
      this.destroying === undefined &&
      this.damage === undefined &&
      this.file.onDisk !== false &&
      !this.used.overlaps(offset, offset + length)
    );
  }

  /**
   * Under `ops`, not `disk`: records the write as done and encrypts it into the pending run, a
   * staging buffer of contiguous bytes that goes to the disk in one write when it is full or when
   * anything else needs the disk (toDisk). One write per MiB instead of one per WRITE packet
   * (32 KiB from OpenSSH) is what makes writing behind pay: the spool's writes run one at a time.
   */
  private writeBehind(offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    const run = this.pending;
    if (
      run !== undefined &&
      (run.offset + run.length !== offset || run.length + data.length > run.buffer.length)
    )
      this.flushBehind();
    this.pending ??= { offset, buffer: stagingBuffers.take(data.length), length: 0 };
    const target = this.pending;
    this.cipher.transform(offset, data, target.buffer.subarray(target.length, target.length + data.length));
    target.length += data.length;
    this.used.add(offset, end);
    this.live.add(offset, end);
    this.diskLength = Math.max(this.diskLength, end);
    this.logicalSize = Math.max(this.logicalSize, end);
    this.written += data.length;
    this.behind += data.length;
    if (target.length === target.buffer.length) this.flushBehind();
    this.notify();
  }

  /** Queues the pending run's disk write (not awaited: a failure marks the spool damaged). */
  private flushBehind(): void {
    const run = this.pending;
    if (run === undefined) return;
    this.pending = undefined;
    void this.disk.run(async () => {
      try {
        if (this.destroying === undefined && this.damage === undefined)
          await writeFully(this.file, run.buffer.subarray(0, run.length), run.offset);
      } catch (err) {
        const cause = err instanceof SpoolError ? err : undefined;
        this.damage = new SpoolError(
          `an earlier write of this file failed, so its new content is lost: ${cause?.message ?? String(err)}`,
          { cause: err },
        );
        this.notify(); // reads waiting on nothing else would never see it otherwise
      } finally {
        this.behind -= run.length;
        stagingBuffers.give(run.buffer);
      }
    });
  }

  /** Every use of `disk` but the flush itself: the pending run must reach the disk first. */
  private toDisk<T>(task: () => Promise<T>): Promise<T> {
    this.flushBehind();
    return this.disk.run(task);
  }

  private fillRunning(): boolean {
    return this.fillState === 'running';
  }

  private failFill(err: Error): void {
    if (this.fillState === 'done' || this.fillState === 'failed') return;
    this.fillState = 'failed';
    this.fillError = err;
    this.onFillStop?.();
    this.notify();
  }

  private async applyFillChunk(chunk: Uint8Array): Promise<void> {
    if (this.destroying || !this.fillRunning()) return;
    const start = this.fillPoint;
    const limit = Math.min(start + chunk.length, this.fillEnd);
    // Only the parts nobody has written: the user's bytes win (Tahoe's overwrite logic).
    for (const [s, e] of this.live.gaps(start, limit)) {
      await this.writeRange(s, chunk.subarray(s - start, e - start));
    }
    this.fillPoint = start + chunk.length;
  }

  /** Can [offset, end) be read now? Not under `disk`: a pure look at the state. */
  private readiness(offset: number, end: number): Readiness {
    if (this.destroying) return destroyedError();
    if (this.fillState === 'done') return true;
    const from = Math.max(offset, this.fillPoint);
    const to = Math.min(end, this.fillEnd);
    if (from >= to || this.live.covers(from, to)) return true;
    return this.fillState === 'failed' ? this.fillError! : false;
  }

  private waitFor(check: () => Readiness): Promise<void> {
    const now = check();
    if (now === true) return Promise.resolve();
    if (now instanceof Error) return Promise.reject(now);
    return new Promise((resolve, reject) => this.waiters.add({ check, resolve, reject }));
  }

  /** Re-evaluates the fill and every waiting read after a change of state. */
  private notify(): void {
    if (
      (this.fillState === 'pending' || this.fillState === 'running') &&
      (this.fillPoint >= this.fillEnd || this.live.covers(this.fillPoint, this.fillEnd))
    ) {
      this.fillState = 'done';
      this.onFillStop?.();
    }
    for (const waiter of this.waiters) {
      const state = waiter.check();
      if (state === false) continue;
      this.waiters.delete(waiter);
      if (state === true) waiter.resolve();
      else waiter.reject(state);
    }
  }

  private async readRange(offset: number, end: number): Promise<Uint8Array> {
    const out = new Uint8Array(end - offset); // holes stay zero
    for (const [s, e] of this.live.intersect(offset, end)) {
      const piece = out.subarray(s - offset, e - offset);
      await readFully(this.file, piece, s);
      this.cipher.transform(s, piece, piece);
    }
    return out;
  }

  private async writeRange(offset: number, data: Uint8Array): Promise<void> {
    const end = offset + data.length;
    if (end === offset) return;
    if (!this.used.overlaps(offset, end)) {
      await this.writeFresh(offset, data);
    } else {
      for (let at = offset; at < end;) {
        const stop = Math.min(end, (Math.floor(at / EXTENT) + 1) * EXTENT);
        const part = data.subarray(at - offset, stop - offset);
        if (this.used.overlaps(at, stop)) await this.rewriteInExtent(at, part);
        else await this.writeFresh(at, part);
        at = stop;
      }
    }
    this.live.add(offset, end);
  }

  /** Positions never used under their extents' generations: encrypt and write in place. */
  private async writeFresh(offset: number, data: Uint8Array): Promise<void> {
    const end = offset + data.length;
    // Marked before writing: a write that fails halfway may still have put ciphertext there.
    this.used.add(offset, end);
    this.diskLength = Math.max(this.diskLength, end);
    const buffer = sealBuffers.take(data.length);
    try {
      const sealed = buffer.subarray(0, data.length);
      this.cipher.transform(offset, data, sealed);
      await writeFully(this.file, sealed, offset);
    } finally {
      sealBuffers.give(buffer);
    }
  }

  /** Writes `data` at `offset` (within one extent) under a fresh generation, re-encrypting the extent's other live bytes. */
  private async rewriteInExtent(offset: number, data: Uint8Array): Promise<void> {
    const extent = Math.floor(offset / EXTENT);
    const base = extent * EXTENT;
    const end = offset + data.length;
    const generation = this.cipher.nextGeneration();
    const kept: Range[] = [...this.live.intersect(base, offset), ...this.live.intersect(end, base + EXTENT)];
    const pieces: { at: number; old: Uint8Array | undefined; sealed: Uint8Array }[] = [];
    for (const [s, e] of kept) {
      const old = new Uint8Array(e - s);
      await readFully(this.file, old, s);
      const plain = new Uint8Array(old.length);
      this.cipher.transform(s, old, plain);
      const sealed = new Uint8Array(old.length);
      this.cipher.transform(s, plain, sealed, generation);
      pieces.push({ at: s, old, sealed });
    }
    const sealed = new Uint8Array(data.length);
    this.cipher.transform(offset, data, sealed, generation);
    pieces.push({ at: offset, old: undefined, sealed });
    this.diskLength = Math.max(this.diskLength, end);
    try {
      for (const piece of pieces) await writeFully(this.file, piece.sealed, piece.at);
    } catch (err) {
      // Put the old ciphertext back (same bytes: nothing new leaks) so the extent stays readable
      // under its old generation; the new generation is abandoned, never to be reused.
      try {
        for (const piece of pieces) if (piece.old) await writeFully(this.file, piece.old, piece.at);
      } catch (restoreErr) {
        this.damage = new SpoolError('the spool was damaged by a failed write and cannot be read', {
          cause: restoreErr,
        });
      }
      throw err;
    }
    this.cipher.setGeneration(extent, generation);
    this.used.remove(base, base + EXTENT);
    for (const piece of pieces) this.used.add(piece.at, piece.at + piece.sealed.length);
  }

  private refuse(): Error | undefined {
    return this.destroying ? destroyedError() : undefined;
  }

  private assertOpen(): void {
    if (this.destroying) throw destroyedError();
  }
}

/** Spare buffers of one size, shared by every spool; a request for more gets a fresh one. */
class SpareBuffers {
  private readonly free: Uint8Array[] = [];

  constructor(
    private readonly size: number,
    private readonly kept: number,
  ) {}

  take(atLeast: number): Uint8Array {
    if (atLeast > this.size) return new Uint8Array(atLeast);
    return this.free.pop() ?? new Uint8Array(this.size);
  }

  give(buffer: Uint8Array): void {
    if (buffer.length === this.size && this.free.length < this.kept) this.free.push(buffer);
  }
}

/**
 * Buffers for ciphertext on its way to a spool file, instead of a fresh zeroed one per WRITE
 * (255 KiB from sshfs and OpenSSH). Garbage collection takes about a quarter of the gateway's
 * time while it receives a file; this takes one allocation of every byte out of it (measured:
 * 339 -> 311 ms of 1.35 s; the rest comes from ssh2's and crypto's own buffers). They only ever
 * hold ciphertext, each under its own spool's key, so sharing shows nobody anything.
 */
const sealBuffers = new SpareBuffers(256 * 1024, 8);
/** The staging runs of writes behind (see writeBehind), for the same reasons: a MiB each. */
const stagingBuffers = new SpareBuffers(1024 * 1024, 8);

function withheldError(): SpoolError {
  return new SpoolError('these bytes are held by the streaming upload and were not brought back first');
}

function destroyedError(): SpoolError {
  return new SpoolError('the spool has been destroyed (file closed or abandoned)', { code: 'EBADF' });
}

function badOffset(value: number, what: string): RangeError | undefined {
  return Number.isSafeInteger(value) && value >= 0
    ? undefined
    : new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
}

function checkOffset(value: number, what: string): void {
  const err = badOffset(value, what);
  if (err) throw err;
}
