import { SequentialChunkHasher } from '../immutable/sequential-hasher.js';
import type { HandleActivity } from '../activity/activity-registry.js';
import type { Cap } from '../caps/cap.js';
import { DirectoryError, type EntryMetadata } from '../dirnode/entries.js';
import type { FileReader } from '../grid/file-reader.js';
import type { Grid } from '../grid/grid.js';
import type { ByteSource } from '../util/byte-source.js';
import { attributesOf, type SftpAttrs } from '../vfs/attributes.js';
import { toSftpError } from '../vfs/error-mapping.js';
import { SftpError, SftpStatus } from '../vfs/sftp-status.js';
import { EncryptedSpool } from './encrypted-spool.js';
import { SequentialUploadFeed } from './sequential-upload-feed.js';
import { direntryKey, type DirentryKey, type Heisenfile, type HeisenfileRegistry } from './registry.js';
import { OpenFlags, type SessionFileHandle } from './session-api.js';

export interface WriteHandleContext {
  readonly grid: Grid;
  readonly registry: HeisenfileRegistry;
  readonly activity: HandleActivity;
  readonly convergenceSecret: Uint8Array;
  readonly spoolDir: string;
  /** The session that opened the handle. */
  readonly sessionId: string;
}

/** What the open found out, once the parent directory and any existing file are known. */
export interface OpenTarget {
  readonly parent: Cap | undefined;
  readonly childName: string | undefined;
  /** The file there now: its content is the starting point unless TRUNC (and the publish target if mutable). */
  readonly existing: Cap | undefined;
  readonly metadata: EntryMetadata;
  /** True when the entry is new (CREAT of a missing name, or EXCL): there is something to commit even if unwritten. */
  readonly created: boolean;
  /** EXCL: the publish of the empty file that holds the name (see FileSystemSession.createExclusively). */
  readonly entryCreation?: Promise<unknown>;
}

/** A file written up to this size never makes a temporary file (see SpillingSpoolFile). */
const SPOOL_IN_MEMORY = 64 * 1024;

/**
 * A handle open for writing (Tahoe's GeneralSFTPFile): a heisenfile. It is registered by path
 * before its open does anything slow; its bytes go to an encrypted spool; its close uploads the
 * spool and links the result at the name the file has at that moment.
 *
 * Ordering, and why it is correct:
 * - `abandon` and `rename` change the handle synchronously. A commit reads `abandoned`, `parent` and
 *   `childName` only after its upload, right before it links, so a remove or rename that happened
 *   before that point wins; one that happens after it waits (registry → `sync`) for the link to be
 *   done and then removes or moves the linked entry. Either way the result is the same.
 * - A rename that wins over a commit under way still finds the file's old entry at the old name
 *   (EXCL's empty file, or the version being rewritten), and the commit links the new content at
 *   the new name. Moving that old entry after the link would put the old content on top of the
 *   new (git renaming `HEAD.lock` over `HEAD` while its CLOSE commits left an empty HEAD), so the
 *   rename asks `linkedSinceRename` once the commit is done, and then drops the old entry instead.
 *   A rename of a file that is merely open moves the old entry first; the later link replaces it.
 * - Reads, writes, truncations and fsync of one handle run one after another in the order they
 *   arrived (`chain`), so a read sees every write issued before it and APPEND writes at the real end.
 */
export class WriteHandle implements SessionFileHandle, Heisenfile {
  private abandoned = false;
  private isClosed = false;
  private changed = false;
  private spool: EncryptedSpool | undefined;
  /** Convergence chunk hashes of a file written in order, ready for the commit (see SequentialChunkHasher). */
  private hasher: SequentialChunkHasher | undefined;
  /** Segments streamed to the grid while a new file is written in order (see SequentialUploadFeed). */
  private feed: SequentialUploadFeed | undefined;
  private target: OpenTarget | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private commitRun: Promise<void> | undefined;
  private renamedWhileOpening = false;
  /** A rename gave the file a new name that no link has used yet. */
  private renamedSinceLink = false;
  /** A link used the name the last rename gave (see the class comment). */
  private linkedAfterRename = false;
  /** fsync calls not finished yet (a rename waits for them as for a close's commit). */
  private fsyncs: Promise<unknown> = Promise.resolve();
  private spoolReaders = 0;
  private releaseWanted = false;
  /** Set by copy-data: the whole content is this immutable file, to be linked as it is. */
  private adopted: { cap: Cap; size: number } | undefined;
  private readonly opened: Promise<void>;
  private readonly closeCalled: Promise<void>;
  private signalClose!: () => void;
  private resolveOpen!: () => void;
  private rejectOpen!: (error: unknown) => void;
  parent: Cap | undefined;
  childName: string | undefined;

  constructor(
    private readonly context: WriteHandleContext,
    public userpath: string,
    readonly flags: number,
  ) {
    this.opened = new Promise<void>((resolve, reject) => {
      this.resolveOpen = resolve;
      this.rejectOpen = reject;
    });
    this.opened.catch(() => undefined);
    this.closeCalled = new Promise<void>((resolve) => (this.signalClose = resolve));
  }

  get sessionId(): string {
    return this.context.sessionId;
  }

  /** CLOSE has been called: the content is final (Heisenfile). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Still open for writing (not closed, not abandoned). */
  get writing(): boolean {
    return !this.isClosed && !this.abandoned;
  }

  /**
   * Open for writing with changes the grid does not have yet (written, truncated, created by
   * CREAT of a missing name, or re-timed since the open or the last fsync; an EXCL open's empty
   * file is not one): the committed entry at its name is stale.
   */
  get uncommitted(): boolean {
    return this.writing && this.changed;
  }

  /** Resolves true once close() is called, or false after `ms`. */
  whenClosed(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      this.closeCalled.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]).finally(() => clearTimeout(timer));
  }

  get id(): string {
    return this.context.activity.id;
  }

  get direntry(): DirentryKey | undefined {
    return direntryKey(this.parent, this.childName);
  }

  // ----- the open, finished by the session once it knows where the file is

  /** EXCL: the name is known before the open completes, so the registry can hold it at once. */
  reserve(parent: Cap, childName: string): void {
    if (this.renamedWhileOpening) return;
    this.parent = parent;
    this.childName = childName;
  }

  async complete(target: OpenTarget): Promise<void> {
    // Settled here, so a file abandoned before its commit leaves no unhandled rejection.
    target.entryCreation?.catch(() => undefined);
    this.target = target;
    // A rename that arrived while this open was still resolving has already moved the file: the
    // new name wins (Tahoe's GeneralSFTPFile.open does the same).
    if (!this.renamedWhileOpening) {
      this.parent = target.parent;
      this.childName = target.childName;
    }
    // An EXCL open's empty file is the creation (Tahoe's has_changed leaves EXCL out too): a
    // handle that writes nothing commits nothing, so it cannot undo what another handle of the
    // same file wrote (mkstemp, then open by the name, write, close both).
    this.changed = target.created && target.entryCreation === undefined;
    const truncate = (this.flags & OpenFlags.TRUNC) !== 0;
    const existing =
      truncate || target.existing === undefined
        ? undefined
        : await this.context.grid.openFile(target.existing);
    if (truncate && target.existing !== undefined) this.changed = true;
    this.spool = await EncryptedSpool.create({
      dir: this.context.spoolDir,
      size: existing?.size ?? 0,
      memoryLimit: SPOOL_IN_MEMORY,
    });
    // The existing content comes in the background: writes go on meanwhile, reads wait only for
    // the bytes they need (the spool's milestones).
    if (existing !== undefined && existing.size > 0) void this.spool.fill(existing.stream(), existing.size);
    // Only a file that starts empty can be hashed or streamed from its writes alone. A mutable
    // file is published whole, never streamed.
    else {
      this.hasher = new SequentialChunkHasher();
      if (target.existing?.kind !== 'mutable-write')
        this.feed = new SequentialUploadFeed(this.context.grid, this.spool);
    }
    this.resolveOpen();
  }

  /**
   * copy-data of a whole immutable file into this new, still empty file: the content becomes that
   * cap, linked at close without downloading or uploading anything. Refused (false) once anything
   * was written, so the caller copies bytes instead.
   */
  adopt(cap: Cap, size: number): Promise<boolean> {
    return this.serial(() => {
      const spool = this.openSpool;
      if (this.abandoned || spool.size !== 0 || spool.bytesWritten !== 0 || this.adopted !== undefined) {
        return Promise.resolve(false);
      }
      this.adopted = { cap, size };
      this.changed = true;
      void this.feed?.stop();
      return Promise.resolve(true);
    });
  }

  /** Any other use of an adopted file needs its bytes after all: they are copied in then. */
  private async materialize(): Promise<void> {
    const adopted = this.adopted;
    if (adopted === undefined) return;
    this.adopted = undefined;
    this.hasher?.invalidate();
    await this.feed?.stop();
    const spool = this.openSpool;
    const reader = await this.context.grid.openFile(adopted.cap);
    let at = 0;
    for await (const piece of reader.stream()) {
      await spool.write(at, piece);
      at += piece.length;
    }
  }

  failOpen(error: unknown): void {
    this.rejectOpen(error);
  }

  // ----- Heisenfile

  abandon(): void {
    // The stream is discarded at close (release), not here: the handle still answers reads and
    // writes until then, and a spool that withholds bytes needs the stream for them.
    this.abandoned = true;
  }

  rename(userpath: string, parent: Cap | undefined, childName: string | undefined): void {
    if (this.target === undefined) this.renamedWhileOpening = true;
    this.renamedSinceLink = true;
    this.linkedAfterRename = false;
    this.userpath = userpath;
    this.parent = parent;
    this.childName = childName;
    this.context.activity.renamed(userpath);
  }

  async sync(): Promise<void> {
    await this.opened.catch(() => undefined);
    await this.fsyncs;
    await this.commitRun?.catch(() => undefined);
  }

  async published(): Promise<void> {
    await this.opened.catch(() => undefined);
    await this.target?.entryCreation?.catch(() => undefined);
  }

  /** The commit links only once the empty file of an EXCL open holds the name in the grid. */
  private async entryCreated(): Promise<void> {
    try {
      await this.target?.entryCreation;
    } catch (error) {
      if (error instanceof DirectoryError && error.code === 'exists')
        throw new SftpError(
          SftpStatus.FAILURE,
          'the file was created exclusively, but another client created the same name meanwhile',
        );
      throw error;
    }
  }

  /**
   * After a rename and its `sync`: whether a commit linked the content at the name that rename
   * gave, so the entry left at the old name is stale (see the class comment).
   */
  linkedSinceRename(): boolean {
    return this.linkedAfterRename;
  }

  /** The name a commit links at, read right before it links (see the class comment). */
  private linkTarget(): { parent: Cap | undefined; childName: string | undefined } {
    if (this.renamedSinceLink) this.linkedAfterRename = true;
    this.renamedSinceLink = false;
    return { parent: this.parent, childName: this.childName };
  }

  // ----- SessionFileHandle

  private serial<T>(what: () => Promise<T>): Promise<T> {
    const run = this.chain.then(async () => {
      await this.opened;
      return what();
    });
    this.chain = run.catch(() => undefined);
    return run.catch((error: unknown) => {
      throw toSftpError(error);
    });
  }

  private get openSpool(): EncryptedSpool {
    if (this.spool === undefined) throw new SftpError(SftpStatus.FAILURE, 'the file is not open');
    return this.spool;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    if (this.isClosed)
      return Promise.reject(new SftpError(SftpStatus.BAD_MESSAGE, 'cannot read from a closed file handle'));
    if ((this.flags & OpenFlags.READ) === 0) {
      return Promise.reject(
        new SftpError(SftpStatus.PERMISSION_DENIED, 'file handle was not opened for reading'),
      );
    }
    return this.serial(async () => {
      await this.materialize();
      const spool = this.openSpool;
      if (offset >= spool.size) throw new SftpError(SftpStatus.EOF, 'read at or past the end of the file');
      // Bytes the stream took are not in the spool (see SequentialUploadFeed): it reads them back.
      const feed = this.feed;
      const data =
        spool.withholding && feed !== undefined
          ? await feed.read(offset, length)
          : await spool.read(offset, length);
      this.context.activity.read(data.length);
      return data;
    });
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    if (this.isClosed)
      return Promise.reject(new SftpError(SftpStatus.BAD_MESSAGE, 'cannot write to a closed file handle'));
    if ((this.flags & OpenFlags.WRITE) === 0) {
      return Promise.reject(
        new SftpError(SftpStatus.PERMISSION_DENIED, 'file handle was not opened for writing'),
      );
    }
    return this.serial(async () => {
      await this.materialize();
      const spool = this.openSpool;
      // APPEND: every chunk at the current end, whatever offset the client sent.
      const at = (this.flags & OpenFlags.APPEND) !== 0 ? spool.size : offset;
      if (this.feed !== undefined && (await this.feed.take(at, data))) {
        this.changed = true;
        this.context.activity.wrote(data.length);
        return;
      }
      // Any other write needs the bytes the stream holds in the spool first.
      if (spool.withholding) await this.feed?.stop();
      await spool.write(at, data);
      // After the spool took the bytes: a failed write leaves the hasher behind the file, so the
      // commit falls back to hashing the spool.
      this.hasher?.write(at, data);
      this.changed = true;
      await this.feed?.wrote(at, data);
      // Streamed: the key will be random, so hashing for a convergent one is wasted work (a
      // stream that stops later makes the commit hash the spool instead).
      if (this.feed?.streaming === true) this.hasher = undefined;
      this.context.activity.wrote(data.length);
    });
  }

  /** The attributes an open file shows (STAT by path answers from the newest handle). */
  attrsNow(): SftpAttrs {
    return attributesOf(undefined, {
      parentWritable: true,
      metadata: this.target?.metadata ?? {},
      size: this.adopted?.size ?? this.spool?.size ?? 0,
    });
  }

  fstat(): Promise<SftpAttrs> {
    if (this.isClosed)
      return Promise.reject(
        new SftpError(SftpStatus.BAD_MESSAGE, 'cannot get attributes for a closed file handle'),
      );
    return this.serial(() => Promise.resolve(this.attrsNow()));
  }

  fsetstat(attrs: SftpAttrs): Promise<void> {
    if (this.isClosed)
      return Promise.reject(
        new SftpError(SftpStatus.BAD_MESSAGE, 'cannot set attributes for a closed file handle'),
      );
    if ((this.flags & OpenFlags.WRITE) === 0) {
      return Promise.reject(
        new SftpError(SftpStatus.PERMISSION_DENIED, 'file handle was not opened for writing'),
      );
    }
    return this.serial(async () => {
      if (attrs.size !== undefined) {
        if (!Number.isSafeInteger(attrs.size) || attrs.size < 0) {
          throw new SftpError(SftpStatus.BAD_MESSAGE, 'new size is not a valid nonnegative integer');
        }
        await this.materialize();
        await this.feed?.stop();
        await this.openSpool.setSize(attrs.size);
        this.hasher?.invalidate();
        this.changed = true;
      }
      this.updateMetadata(attrs);
    });
  }

  /** SETSTAT by path on an open file changes what it will be committed with. */
  updateMetadata(attrs: SftpAttrs): void {
    if (this.target === undefined) return;
    const times: { mtime?: number } = attrs.mtime === undefined ? {} : { mtime: attrs.mtime };
    this.target = { ...this.target, metadata: { ...this.target.metadata, ...times } };
    this.changed = true;
  }

  /** fsync@openssh.com: commits what is written so far, now, and says whether it worked. */
  fsync(): Promise<void> {
    if (this.isClosed)
      return Promise.reject(new SftpError(SftpStatus.BAD_MESSAGE, 'cannot sync a closed file handle'));
    if ((this.flags & OpenFlags.WRITE) === 0) return Promise.resolve();
    const run = this.serial(async () => {
      if (!this.changed || this.abandoned) return;
      // An fsync commits a version that later writes may change: the spool is uploaded.
      await this.feed?.stop();
      await this.commit(false);
      this.changed = false; // committed: close has nothing more to do unless more is written
    });
    this.fsyncs = Promise.all([this.fsyncs, run.catch(() => undefined)]);
    return run;
  }

  close(): Promise<void> {
    if (this.isClosed) return this.commitRun ?? Promise.resolve();
    this.isClosed = true;
    this.signalClose();
    const activity = this.context.activity;
    activity.closing();
    this.commitRun = this.serial(async () => {
      if (this.abandoned) {
        activity.abandoned('removed or disconnected before close');
        return;
      }
      if (!this.changed) {
        // Unwritten after EXCL: its CLOSE still says whether the empty file made it.
        await this.entryCreated();
        activity.closed();
        return;
      }
      try {
        await this.commit(true);
      } catch (error) {
        if (this.abandoned) return;
        const reason = toSftpError(error).message;
        activity.failed(
          reason,
          async () => {
            await this.commit(true);
            await this.release();
          },
          () => void this.release(),
        );
        throw error;
      }
    })
      .catch((error: unknown) => {
        if (this.context.activity.state === 'failed') throw error;
        if (this.context.activity.state === 'closing')
          this.context.activity.abandoned(toSftpError(error).message);
        throw error;
      })
      .finally(() => {
        this.context.registry.remove(this);
        if (this.context.activity.state !== 'failed') void this.release();
      });
    return this.commitRun.catch((error: unknown) => {
      throw toSftpError(error);
    });
  }

  /**
   * Frees the spool, unless readers of the closed file still use it (see `readWhileCommitting`):
   * then the last of them frees it.
   */
  private async release(): Promise<void> {
    this.releaseWanted = true;
    await this.feed?.discard();
    if (this.spoolReaders > 0) return;
    await this.spool?.destroy().catch(() => undefined);
  }

  /**
   * Beyond Tahoe: a file that is closed but whose commit is still running can be read back at
   * once, from its spool (its content is final: nothing writes to a closed handle). Undefined when
   * there is no such state to read from. The caller must call `done` when it stops reading.
   */
  readWhileCommitting(): { reader: FileReader; done: () => void } | undefined {
    const spool = this.spool;
    const state = this.context.activity.state;
    // A spool that left bytes to the stream cannot answer: the reader waits for the commit.
    if (
      !this.isClosed ||
      this.abandoned ||
      spool === undefined ||
      this.adopted !== undefined ||
      spool.withholding
    )
      return undefined;
    if (state !== 'closing' && state !== 'committing') return undefined;
    this.spoolReaders++;
    let finished = false;
    const size = spool.size;
    const reader: FileReader = {
      size,
      problems: [],
      stream: (offset = 0, length = size - offset) =>
        sliceStream(spool, offset, Math.min(size, offset + length)),
      read: (offset, length) => spool.read(offset, Math.max(0, Math.min(length, size - offset))),
    };
    const done = (): void => {
      if (finished) return;
      finished = true;
      this.spoolReaders--;
      if (this.spoolReaders === 0 && this.releaseWanted) void this.spool?.destroy().catch(() => undefined);
    };
    return { reader, done };
  }

  /** Uploads the spool and links it (or publishes it as the file's next version). */
  private async commit(closing: boolean): Promise<void> {
    const spool = this.openSpool;
    const target = this.target;
    if (target === undefined) throw new SftpError(SftpStatus.FAILURE, 'the file is not open');
    await spool.whenFilled();
    const activity = this.context.activity;
    const adopted = this.adopted;
    if (adopted !== undefined) {
      // copy-data of a whole immutable file: link the very same cap, nothing to upload.
      if (closing) activity.committing(adopted.size);
      await this.entryCreated();
      if (this.abandoned) return;
      const { parent, childName } = this.linkTarget();
      if (parent === undefined || childName === undefined) {
        throw new SftpError(SftpStatus.PERMISSION_DENIED, 'cannot link a file without a parent directory');
      }
      await this.context.grid.addChild(parent, childName, adopted.cap, {
        mode: 'overwrite',
        metadata: { ...target.metadata, mtime: target.metadata.mtime ?? Date.now() / 1000 },
        coalesce: closing,
      });
      if (closing) activity.committed();
      return;
    }
    const size = spool.size;
    const source: ByteSource = { size, open: () => spool.stream() };
    if (closing) activity.committing(size);
    const existing = target.existing;
    if (existing?.kind === 'mutable-write') {
      await this.context.grid.replaceMutableFile(existing, source);
      if (this.abandoned) return;
      if (this.parent !== undefined && this.childName !== undefined) {
        await this.context.grid.setChildMetadata(
          this.parent,
          this.childName,
          { mtime: Date.now() / 1000, ...target.metadata },
          { coalesce: closing },
        );
      }
    } else {
      const chunkHashes = this.hasher?.result(size);
      const report =
        (closing ? await this.feed?.finish(size) : undefined) ??
        (await this.context.grid.upload(source, {
          key: {
            convergenceSecret: this.context.convergenceSecret,
            ...(chunkHashes === undefined ? {} : { chunkHashes }),
          },
          onProgress: (done) => closing && activity.progress(done),
        }));
      await this.entryCreated();
      // Read after the upload, right before linking: see the class comment.
      if (this.abandoned) return;
      const { parent, childName } = this.linkTarget();
      if (parent === undefined || childName === undefined) {
        throw new SftpError(
          SftpStatus.PERMISSION_DENIED,
          'cannot write to a non-writeable file without a parent directory',
        );
      }
      await this.context.grid.addChild(parent, childName, report.cap, {
        mode: 'overwrite',
        metadata: { ...target.metadata, mtime: target.metadata.mtime ?? Date.now() / 1000 },
        // The link of a close may ride with the next change of the directory (ChangeQueues).
        coalesce: closing,
      });
      // A later commit (fsync, then close) replaces this one: it now starts from the new file.
      this.target = { ...target, existing: report.cap };
      if (closing) activity.committed(report.happiness);
      return;
    }
    if (closing) activity.committed();
  }
}

async function* sliceStream(spool: EncryptedSpool, from: number, to: number): AsyncGenerator<Uint8Array> {
  const piece = 256 * 1024;
  for (let at = from; at < to; at += piece) yield await spool.read(at, Math.min(piece, to - at));
}
