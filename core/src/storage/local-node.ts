/**
 * A storage node in a local folder (DESIGN §2: the embedded default).
 *
 * Layout (version 3):
 *   node.json                     { format, version, id }
 *   shares/<si[0..2]>/<si>.<shnum> one file per share; the two-letter level keeps folders small.
 *                                 A two-letter folder is made when its first share comes, and
 *                                 stays (so no delete can race an install into it)
 *   packs/<instance>.<seq>.pack   immutable shares of up to 64 KiB, appended (see share-packs.ts)
 *   tmp/<instance>/               temp files of one open LocalDirectoryNode, guarded by tmp/<instance>.lock
 *   locks/<si>.<shnum>.lock       cross-process share locks (proper-lockfile, mkdir based)
 *
 * A share file appears by rename(2) of a fsynced temp file followed by a fsync of its folder, and a
 * packed share once its record is fdatasynced, so a reader or a crash sees the old share or the
 * new one, never a torn one. Mutable shares are always files: test-and-set rewrites them in place.
 */
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { check as checkLock, lock } from 'proper-lockfile';
import * as v from 'valibot';
import { KeyedMutex } from '../util/keyed-mutex.js';
import { readFullyInto, writeFully, writevFully } from './file-io.js';
import { ShareReadHandles } from './share-read-handles.js';
import { MAX_PACKED_SHARE, SharePacks, type PackedShare } from './share-packs.js';
import { ShareNotFoundError, StorageFullError, StorageNodeError } from './node.js';
import {
  assertByteRange,
  assertShareAddress,
  assertShareTest,
  randomBase32,
  shareTestHolds,
  STORAGE_INDEX,
  testedRange,
} from './share-checks.js';
import type {
  NodeSpace,
  PositionalSink,
  ShareInfo,
  ShareTest,
  ShareWriter,
  StorageIndexText,
  StorageNode,
  TestAndSetResult,
} from './node.js';

// ---------------------------------------------------------------------------------------------

const SHNUM_NAME = /^(?:0|[1-9][0-9]{0,2})$/;
/** `<si>.<shnum>`, the name of a share file in its two-letter folder. */
const SHARE_NAME = /^([a-z2-7]{16,64})\.(0|[1-9][0-9]{0,2})$/;
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const NODE_FILE = 'node.json';
const FORMAT = 'grid-sftp-local-node';
/**
 * Version 1 kept each storage index in a folder of its own (shares/<xx>/<si>/<shnum>); opening a
 * version 1 node moves its shares (see migrateFromVersion1). The folder per index cost a mkdir and
 * two folder fsyncs for every new file stored, and mkdir is the slowest call on ext4 (it searches
 * for a free inode group).
 *
 * Version 3 added packs/ (share-packs.ts). Its layout is version 2's plus that folder, so a version
 * 2 node only has its number raised when opened; the number keeps an older Grid SFTP, which would
 * not look in packs/ and miss every small share, from opening the node at all.
 */
const NODE_VERSION = 3;
const NodeFileSchema = v.object({
  format: v.literal(FORMAT),
  version: v.pipe(v.number(), v.integer()),
  id: v.pipe(v.string(), v.regex(NODE_ID)),
});

/** A lock older than this is taken over: its holder died (live holders refresh it every stale/2). */
const LOCK_STALE_MS = 10_000;
/** Backoff that keeps trying for well over LOCK_STALE_MS, so a crashed holder's lock is taken over. */
const LOCK_RETRIES = { retries: 100, factor: 1.3, minTimeout: 2, maxTimeout: 250, randomize: true };

const isWindows = process.platform === 'win32';

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

function toNodeError(label: string, what: string, err: unknown): StorageNodeError {
  if (err instanceof StorageNodeError) return err;
  const code = errnoCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StorageFullError(label, { cause: err });
  if (code === 'ELOCKED') {
    return new StorageNodeError(label, `${what}: share is locked by another writer`, { cause: err });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new StorageNodeError(label, `${what} failed: ${reason}`, { cause: err });
}

async function ignoring<T>(promise: Promise<T>, ...codes: string[]): Promise<T | undefined> {
  try {
    return await promise;
  } catch (err) {
    if (codes.length === 0 || codes.includes(errnoCode(err) ?? '')) return undefined;
    throw err;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a folder for fsync; NTFS journals the rename itself.
  if (isWindows) return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Bytes at offset..offset+length (short at EOF), or null when the file does not exist. */
async function readRange(file: string, offset: number, length: number): Promise<Uint8Array | null> {
  const handle = await ignoring(open(file, 'r'), 'ENOENT');
  if (handle === undefined) return null;
  try {
    const { size } = await handle.stat();
    const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
    const got = await readFullyInto(handle, offset, out);
    return got === out.length ? out : out.slice(0, got);
  } finally {
    await handle.close();
  }
}

async function sizeOf(file: string): Promise<number> {
  return (await ignoring(stat(file), 'ENOENT'))?.size ?? 0;
}

async function listDir(dir: string): Promise<string[]> {
  return ((await ignoring(readdir(dir), 'ENOENT')) ?? []).sort();
}

async function writeFileDurably(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBase32(8)}.tmp`;
  try {
    const handle = await open(temp, 'wx');
    try {
      await writeFully(handle, new TextEncoder().encode(text), 0);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await ignoring(unlink(temp));
    throw err;
  }
  await fsyncDir(resolve(file, '..'));
}

// ---------------------------------------------------------------------------------------------
// Temp space. Each open node writes its temp files in its own tmp/<instance>/ folder and holds a
// proper-lockfile lock on it for as long as it is open. An opener sweeps every instance folder
// whose lock is absent or stale, i.e. every leftover of a crashed or closed process, and never
// the temp files of another live process sharing the folder (which a blind "delete all of tmp/"
// would destroy mid-write).

interface Scratch {
  readonly dir: string;
  release: () => Promise<void>;
  lost: boolean;
}

async function claimScratch(tmpRoot: string): Promise<Scratch> {
  const dir = join(tmpRoot, `i-${randomBase32(12)}`);
  const scratch: Scratch = { dir, release: () => Promise.resolve(), lost: false };
  // Lock first, then mkdir: a sweeping opener must never see the folder without its lock.
  scratch.release = await lock(dir, {
    realpath: false,
    lockfilePath: `${dir}.lock`,
    stale: LOCK_STALE_MS,
    onCompromised: () => {
      scratch.lost = true;
    },
  });
  await mkdir(dir);
  return scratch;
}

/** Removes the temp folders of dead instances; returns how many live (or just crashed) ones it left. */
async function sweepScratch(tmpRoot: string): Promise<number> {
  const bases = new Set((await listDir(tmpRoot)).map((name) => name.replace(/\.lock$/, '')));
  let left = 0;
  for (const base of bases) {
    const dir = join(tmpRoot, base);
    const held = await isInstanceLive(tmpRoot, base);
    if (held) {
      left++;
      continue;
    }
    await rm(dir, { recursive: true, force: true });
    // Instance names are random and never reused, so removing a dead instance's stale lock is safe.
    await rm(`${dir}.lock`, { recursive: true, force: true });
  }
  return left;
}

/** Whether the node instance that owns tmp/<instance> is still open (its lock is fresh). */
function isInstanceLive(tmpRoot: string, instance: string): Promise<boolean> {
  const dir = join(tmpRoot, instance);
  return checkLock(dir, { realpath: false, lockfilePath: `${dir}.lock`, stale: LOCK_STALE_MS });
}

// ---------------------------------------------------------------------------------------------

/** What a ShareWriter needs from its node, kept narrow so the writer cannot reach anything else. */
interface WriterHost {
  readonly id: string;
  /** A new temp file for a share that outgrew a pack. */
  openTemp(si: StorageIndexText, shnum: number): Promise<{ handle: FileHandle; temp: string }>;
  install(temp: string, si: StorageIndexText, shnum: number, size: number): Promise<void>;
  installPacked(si: StorageIndexText, shnum: number, bytes: Uint8Array): Promise<void>;
  forget(writer: LocalShareWriter): void;
}

/**
 * Written bytes per share between background flushes (maybeFlush). What is left unflushed when
 * the upload ends waits for the fsync at commit, with the CPUs idle: five shares left up to
 * 5 × 64 MiB. At 16 MiB the time from the last block written to the shares committed went from
 * 0.10-0.12 s to 0.06-0.10 s on a 1 GiB put, and the put from 2.29 to 2.16 s (median of 5 pairs);
 * 8 MiB was no better and took more CPU.
 */
const FLUSH_EVERY = 16 * 1024 * 1024;
/**
 * Background flushes running at once, across every share writer of the process. Each holds a
 * thread of libuv's pool (4 threads) for as long as the disk takes; five shares flushing at once
 * left none for the reads and writes the upload itself waits for, and the encoding workers sat
 * idle. Measured on a 1 GiB put: 2.93-3.08 s unbounded, 2.30-2.47 s with at most 2.
 */
const MAX_BACKGROUND_FLUSHES = 2;
let backgroundFlushes = 0;
/**
 * A share that stays this small goes into a share pack at commit (see share-packs.ts); the writer
 * keeps its bytes in memory until then, and opens a temp file only when a share grows past it.
 */
const SMALL_SHARE = MAX_PACKED_SHARE;

class LocalShareWriter implements ShareWriter {
  private state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  private failure: StorageNodeError | undefined;
  private tail: Promise<void> = Promise.resolve();
  private discarded: Promise<void> | undefined;
  /** Background writeback: see maybeFlush. */
  private flushing: Promise<void> | undefined;
  private unflushed = 0;
  /** The share's bytes, copied, while it is no bigger than SMALL_SHARE and has no file. */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** Once the share outgrew SMALL_SHARE: its temp file and the bytes written to it. */
  private file: { readonly handle: FileHandle; readonly temp: string } | undefined;
  private position = 0;
  /** Sinks lent and not yet released: the temp file stays open while any is out (see discard). */
  private lent = 0;
  /** Set by discard while sinks are out: closes the temp file once the last one comes back. */
  private closeWhenReturned: (() => Promise<void>) | undefined;
  /** The latest writes, queued and not yet started: writes called meanwhile join them (see write). */
  private gathering:
    { readonly chunks: Uint8Array[]; bytes: number; readonly done: Promise<void> } | undefined;

  constructor(
    private readonly host: WriterHost,
    private readonly si: StorageIndexText,
    private readonly shnum: number,
  ) {}

  /**
   * The chunk must stay unchanged until the returned promise settles (it is written, not copied).
   *
   * A write called while earlier ones wait their turn joins the last of them, and they go to the
   * file in one system call: the upload pipeline keeps several segments' blocks in flight, and
   * writing a 1 GiB put's 1.67 GiB of shares (a script, five files) took a third less CPU in
   * 4-segment calls than in 1-segment ones (0.67-0.72 s against 1.04-1.11 s, mostly the
   * kernel's). In a put traced with strace, 1 call in 5 carried such a group. Order is unchanged:
   * a group only ever holds writes called one after the other with nothing queued in between
   * (writeAt and readAt close it), and it runs where its first write was queued.
   *
   * Since uploads lend big shares' files to the workers (positionalSink), their blocks no longer
   * come through here; gathering now serves uploads that do not lend (when any share of the
   * upload declines), and the small writes around the blocks (headers, hash lists).
   */
  write(chunk: Uint8Array): Promise<void> {
    const open = this.gathering;
    if (open !== undefined && this.state === 'open') {
      open.chunks.push(chunk);
      open.bytes += chunk.byteLength;
      return open.done;
    }
    const chunks = [chunk];
    const group = {
      chunks,
      bytes: chunk.byteLength,
      done: this.queued(async () => {
        // From here on the group is fixed: a later write starts the next one.
        if (this.gathering === group) this.gathering = undefined;
        await this.append(chunks, group.bytes);
      }),
    };
    if (this.state === 'open') this.gathering = group;
    return group.done;
  }

  private async append(chunks: readonly Uint8Array[], bytes: number): Promise<void> {
    if (this.file === undefined && this.heldBytes + bytes <= SMALL_SHARE) {
      for (const chunk of chunks) this.held.push(chunk.slice());
      this.heldBytes += bytes;
      return;
    }
    const { handle } = await this.openFile();
    await writevFully(handle, chunks, this.position);
    this.position += bytes;
    this.maybeFlush(handle, bytes);
  }

  /**
   * Lent after every earlier write landed, and only when the share will outgrow SMALL_SHARE: a
   * share that stays small is held and packed, which needs no file at all.
   */
  positionalSink(expectedBytes: number): Promise<PositionalSink | undefined> {
    this.gathering = undefined;
    let sink: PositionalSink | undefined;
    return this.queued(async () => {
      if (this.file === undefined && this.heldBytes + expectedBytes <= SMALL_SHARE) return;
      sink = this.lend((await this.openFile()).handle);
    }).then(() => sink);
  }

  private lend(handle: FileHandle): PositionalSink {
    this.lent++;
    const base = this.position;
    let released = false;
    return {
      fd: handle.fd,
      base,
      wrote: (end) => {
        // Aborted from elsewhere (its node closed): the caller hears it now, as a write would.
        if (this.failure !== undefined) throw this.failure;
        if (this.state !== 'open') throw new StorageNodeError(this.host.id, `share writer is ${this.state}`);
        const at = base + end;
        if (at <= this.position) return;
        this.maybeFlush(handle, at - this.position);
        this.position = at;
      },
      failed: (error) => {
        this.failure ??= toNodeError(this.host.id, 'writing share', error);
        return this.failure;
      },
      release: async () => {
        if (released) return;
        released = true;
        if (--this.lent === 0) await this.closeWhenReturned?.();
      },
    };
  }

  /** In call order with the writes, like them; the share's length does not change. */
  writeAt(offset: number, bytes: Uint8Array): Promise<void> {
    this.gathering = undefined;
    return this.queued(async () => {
      const length = this.file === undefined ? this.heldBytes : this.position;
      if (offset < 0 || offset + bytes.byteLength > length)
        throw new RangeError(`writeAt ${offset}+${bytes.byteLength} is past the ${length} bytes written`);
      if (this.file === undefined) {
        const whole = this.heldWhole();
        whole.set(bytes, offset);
      } else {
        await writeFully(this.file.handle, bytes, offset);
      }
    });
  }

  readAt(offset: number, length: number): Promise<Uint8Array> {
    this.gathering = undefined;
    if (this.state !== 'open') {
      return Promise.reject(new StorageNodeError(this.host.id, `share writer is ${this.state}`));
    }
    const step = this.tail.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      const written = this.file === undefined ? this.heldBytes : this.position;
      if (offset < 0 || length < 0 || offset + length > written)
        throw new RangeError(`readAt ${offset}+${length} is past the ${written} bytes written`);
      if (this.file === undefined) return new Uint8Array(this.heldWhole().subarray(offset, offset + length));
      const bytes = new Uint8Array(length);
      const got = await readFullyInto(this.file.handle, offset, bytes);
      if (got !== length)
        throw new StorageNodeError(this.host.id, `share temp file ended after ${got} bytes`);
      return bytes;
    });
    this.tail = step.then(
      () => undefined,
      () => undefined,
    );
    return step;
  }

  /**
   * Runs one write after the earlier ones, so that even un-awaited calls land in call order at
   * the right offsets. A failed write fails the share and frees its space at once (after ENOSPC
   * the caller will only abort anyway).
   */
  private queued(write: () => Promise<void>): Promise<void> {
    if (this.state !== 'open') {
      return Promise.reject(new StorageNodeError(this.host.id, `share writer is ${this.state}`));
    }
    const step = this.tail.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      try {
        await write();
      } catch (err) {
        this.failure = toNodeError(this.host.id, 'writing share', err);
        await this.discard();
        throw this.failure;
      }
    });
    this.tail = step.catch(() => undefined);
    return step;
  }

  /** The held bytes as one buffer (joined once, when there are several). */
  private heldWhole(): Uint8Array {
    if (this.held.length !== 1) this.held = [Buffer.concat(this.held, this.heldBytes)];
    return this.held[0] as Uint8Array;
  }

  /** The temp file, opened on first need with the held bytes written first. */
  private async openFile(): Promise<{ handle: FileHandle; temp: string }> {
    if (this.file !== undefined) return this.file;
    this.file = await this.host.openTemp(this.si, this.shnum);
    if (this.heldBytes > 0) {
      await writeFully(this.file.handle, this.heldWhole(), 0);
      this.position = this.heldBytes;
    }
    this.held = [];
    this.heldBytes = 0;
    return this.file;
  }

  /**
   * Starts pushing written data to disk every few MiB, in the background, so the fsync at commit
   * finds little left to do: without it a large share's whole writeback happened at commit,
   * after the upload had otherwise finished (~0.5 s per GiB here). Durability still comes from
   * the sync in commit; this only moves the work earlier.
   */
  private maybeFlush(handle: FileHandle, bytes: number): void {
    this.unflushed += bytes;
    if (this.unflushed < FLUSH_EVERY || this.flushing !== undefined) return;
    // When others are flushing, the next write asks again (unflushed keeps counting).
    if (backgroundFlushes >= MAX_BACKGROUND_FLUSHES) return;
    this.unflushed = 0;
    backgroundFlushes++;
    this.flushing = handle
      .datasync()
      .catch(() => undefined) // a real failure resurfaces at the sync in commit
      .finally(() => {
        backgroundFlushes--;
        this.flushing = undefined;
      });
  }

  async commit(): Promise<void> {
    if (this.state !== 'open') throw new StorageNodeError(this.host.id, `share writer is ${this.state}`);
    if (this.lent > 0) throw new StorageNodeError(this.host.id, 'share committed while its file is lent');
    this.state = 'committing';
    await this.tail;
    await this.flushing;
    if (this.failure !== undefined) {
      this.state = 'aborted';
      throw this.failure;
    }
    try {
      if (this.file === undefined) {
        await this.host.installPacked(
          this.si,
          this.shnum,
          this.heldBytes === 0 ? new Uint8Array(0) : this.heldWhole(),
        );
      } else {
        await this.file.handle.sync();
        await this.file.handle.close();
        await this.host.install(this.file.temp, this.si, this.shnum, this.position);
      }
      this.state = 'committed';
      this.host.forget(this);
    } catch (err) {
      this.state = 'aborted';
      await this.discard();
      throw toNodeError(this.host.id, 'committing share', err);
    }
  }

  /** No-op once a commit has started: the commit decides. */
  async abort(): Promise<void> {
    if (this.state === 'open') this.state = 'aborted';
    if (this.state !== 'aborted') return;
    await this.tail;
    await this.discard();
  }

  private discard(): Promise<void> {
    this.discarded ??= (async () => {
      this.host.forget(this);
      this.held = [];
      if (this.file === undefined) return;
      const { handle, temp } = this.file;
      if (this.lent === 0) {
        await ignoring(handle.close());
        await ignoring(unlink(temp));
        return;
      }
      // A thread may still be writing through a lent sink: the descriptor stays open until the
      // last sink is released, as closing it now would let the next open() reuse its number under
      // that thread's writes. Abort does not wait for that, as the sink's holder may itself be
      // waiting for this abort; the file goes now, and its space with it (after ENOSPC, other
      // shares on the same file system need it). Writes still in flight leave a sparse block or
      // two, freed at the close.
      this.closeWhenReturned = async () => {
        await ignoring(handle.close());
      };
      await ignoring(unlink(temp));
      await ignoring(handle.truncate(0));
    })();
    return this.discarded;
  }
}

// ---------------------------------------------------------------------------------------------

export class LocalDirectoryNode implements StorageNode {
  readonly kind = 'local' as const;
  private readonly sharesRoot: string;
  private readonly tmpRoot: string;
  private readonly locksRoot: string;
  private readonly mutex = new KeyedMutex();
  private readonly readHandles = new ShareReadHandles();
  private readonly writers = new Set<LocalShareWriter>();
  /** Two-letter folders known to exist: they are never removed, so each is made at most once. */
  private readonly knownPrefixes = new Set<string>();
  private readonly host: WriterHost;
  /** Small immutable shares (see share-packs.ts); set by open(), right after construction. */
  private packs!: SharePacks;
  private closed = false;
  private lateSweep: NodeJS.Timeout | undefined;

  private constructor(
    readonly id: string,
    /** Absolute path of the node folder. */
    readonly location: string,
    /**
     * Bytes of share files: walked once at open, then kept up to date by this instance's commits
     * and deletes. Another process writing into the same folder is not seen until the next open;
     * good enough for a usage gauge, and it saves walking millions of files per space() call.
     */
    private usedBytes: number,
    private scratch: Promise<Scratch>,
  ) {
    this.sharesRoot = join(location, 'shares');
    this.tmpRoot = join(location, 'tmp');
    this.locksRoot = join(location, 'locks');
    this.host = {
      id,
      // An immutable share needs no lock file, only this process's order with its own deletes
      // and installs of the same share: its bytes are fixed by its storage index (the same
      // file uploaded twice makes the same shares; a random key makes a new index), so a writer
      // in another process can only rename identical bytes over it, and a delete racing an
      // install ends as one of the two, as it would in either order. The lock file cost three
      // syscalls and a timer per share, a third of the work of storing a small file.
      install: (temp, si, shnum, size) =>
        this.mutex.run(`${si}/${shnum}`, () => this.install(temp, si, shnum, size)),
      // A packed share needs no mutex: appends are ordered by their stamps (see share-packs.ts).
      // A file of the same share left from before packs is shadowed by it, as the pack is read first.
      installPacked: (si, shnum, bytes) => this.packs.put(si, shnum, bytes),
      openTemp: async (si, shnum) => {
        const temp = join(await this.scratchDir(), `${si}.${shnum}.${randomBase32(8)}.tmp`);
        // Readable too: a streaming upload may read its share back before commit (readAt).
        return { handle: await open(temp, 'wx+'), temp };
      },
      forget: (writer) => this.writers.delete(writer),
    };
  }

  /** Makes a new node in `dir` (created if needed), which must be empty. */
  static async create(dir: string, options: { id?: string } = {}): Promise<LocalDirectoryNode> {
    const location = resolve(dir);
    const id = options.id ?? `n-${randomBase32(10)}`;
    if (!NODE_ID.test(id)) throw new RangeError(`invalid node id ${JSON.stringify(id)}`);
    try {
      await mkdir(location, { recursive: true });
      const entries = await readdir(location);
      if (entries.includes(NODE_FILE)) {
        throw new StorageNodeError(location, 'already holds a storage node: open it instead of creating one');
      }
      if (entries.length > 0) {
        throw new StorageNodeError(
          location,
          'folder is not empty and is not a storage node; refusing to use it',
        );
      }
      // node.json goes first: a folder with it is a node, and open() makes the rest.
      await writeFileDurably(join(location, NODE_FILE), nodeFileText(id));
    } catch (err) {
      throw toNodeError(location, 'creating node', err);
    }
    return LocalDirectoryNode.open(location);
  }

  /** Opens an existing node folder, sweeping temp files left by crashed processes. */
  static async open(dir: string): Promise<LocalDirectoryNode> {
    const location = resolve(dir);
    const { id, version } = await readNodeFile(location);
    try {
      const tmpRoot = join(location, 'tmp');
      for (const sub of ['shares', 'tmp', 'locks', 'packs'])
        await mkdir(join(location, sub), { recursive: true });
      if (version === 1) await migrateFromVersion1(location, id);
      // Before any pack is written (see NODE_VERSION).
      if (version === 2) await writeFileDurably(join(location, NODE_FILE), nodeFileText(id));
      const leftAlive = await sweepScratch(tmpRoot);
      const used = await walkUsage(join(location, 'shares'));
      const scratch = await claimScratch(tmpRoot);
      const node = new LocalDirectoryNode(id, location, used, Promise.resolve(scratch));
      node.packs = await SharePacks.open({
        root: join(location, 'packs'),
        instanceName: async () => basename(await node.scratchDir()),
        isLive: (instance) => isInstanceLive(tmpRoot, instance),
        fsyncDir,
      }).catch(async (err: unknown) => {
        await node.close();
        throw err;
      });
      // A process that crashed just before this open still had fresh locks; once they have gone
      // stale, sweep again, or its temp files would wait for the next open.
      if (leftAlive > 0) node.sweepLater();
      return node;
    } catch (err) {
      throw toNodeError(id, 'opening node', err);
    }
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- throws as a rejection, like every call
  async createShare(si: StorageIndexText, shnum: number): Promise<ShareWriter> {
    this.assertOpen();
    assertShareAddress(si, shnum);
    // Nothing touches the disk yet: a small share never gets a file (see LocalShareWriter).
    const writer = new LocalShareWriter(this.host, si, shnum);
    this.writers.add(writer);
    return writer;
  }

  async readShare(si: StorageIndexText, shnum: number, offset: number, length: number): Promise<Uint8Array> {
    this.assertOpen();
    assertShareAddress(si, shnum);
    assertByteRange(offset, length);
    const bytes = await this.readEither(
      si,
      shnum,
      async (packed) => {
        const out = new Uint8Array(Math.max(0, Math.min(length, packed.length - offset)));
        await this.packs.read(packed, offset, out);
        return out;
      },
      () => readRange(this.sharePath(si, shnum), offset, length),
    );
    if (bytes === null) throw new ShareNotFoundError(this.id, si, shnum);
    return bytes;
  }

  async readShareInto(
    si: StorageIndexText,
    shnum: number,
    offset: number,
    target: Uint8Array,
  ): Promise<number> {
    this.assertOpen();
    assertShareAddress(si, shnum);
    assertByteRange(offset, target.length);
    const got = await this.readEither(
      si,
      shnum,
      (packed) => this.packs.read(packed, offset, target),
      // Only immutable shares are read this way (see ShareReadHandles): the open file is reused.
      async () =>
        (await this.readHandles.with(this.sharePath(si, shnum), (handle) =>
          readFullyInto(handle, offset, target),
        )) ?? null,
    );
    if (got === null) throw new ShareNotFoundError(this.id, si, shnum);
    return got;
  }

  async listShares(si: StorageIndexText): Promise<ShareInfo[]> {
    this.assertOpen();
    assertShareAddress(si, 0);
    try {
      await this.packs.refresh();
      const shares = this.packs.list(si);
      const packed = new Set(shares.map((share) => share.shnum));
      const dir = this.prefixDir(si);
      for (const name of await listDir(dir)) {
        const share = parseShareName(name);
        // A share in a pack shadows a file of it (see the host's installPacked).
        if (share?.si !== si || packed.has(share.shnum)) continue;
        const info = await ignoring(stat(join(dir, name)), 'ENOENT');
        if (info?.isFile()) shares.push({ shnum: share.shnum, size: info.size });
      }
      return shares.sort((a, b) => a.shnum - b.shnum);
    } catch (err) {
      throw toNodeError(this.id, 'listing shares', err);
    }
  }

  async deleteShare(si: StorageIndexText, shnum: number): Promise<void> {
    this.assertOpen();
    assertShareAddress(si, shnum);
    try {
      // Under the share lock so a delete cannot land between another writer's test and rename.
      await this.withShareLock(si, shnum, async () => {
        await this.packs.refresh();
        await this.packs.remove(si, shnum);
        const file = this.sharePath(si, shnum);
        this.readHandles.forget(file);
        const size = await sizeOf(file);
        const removed = await ignoring(
          unlink(file).then(() => true),
          'ENOENT',
        );
        if (removed !== true) return;
        this.usedBytes -= size;
        await ignoring(fsyncDir(this.prefixDir(si)), 'ENOENT');
      });
    } catch (err) {
      throw toNodeError(this.id, 'deleting share', err);
    }
  }

  async testAndSetShare(
    si: StorageIndexText,
    shnum: number,
    test: ShareTest,
    data: Uint8Array,
  ): Promise<TestAndSetResult> {
    this.assertOpen();
    assertShareAddress(si, shnum);
    assertShareTest(test);
    // The new bytes are written and fsynced before taking the lock, to keep the lock short.
    const temp = await this.writeTemp(si, shnum, data);
    let installed = false;
    try {
      // Why check and rename sit under one lock: each writer reads the share, compares it with what it
      // expects, and only then renames its version into place. If two uncoordinated writers A and B
      // could interleave (A checks, B checks, A renames, B renames), both would see version v, both
      // would pass, and B would silently erase A's update. Holding the share lock across
      // check-then-rename makes that pair one atomic step for every process using this folder: B's
      // check runs after A's rename, sees v+1, fails and hands B the current bytes so it can redo its
      // change on top of A's. Readers take no lock; the rename is atomic, so they see a whole share.
      // The in-process mutex queues this process's writers without polling, so only one of them at a
      // time contends for the cross-process lock file.
      return await this.withShareLock(si, shnum, async (assertHeld) => {
        const range = testedRange(test);
        const current = await readRange(this.sharePath(si, shnum), range.offset, range.length);
        if (!shareTestHolds(test, current)) return { ok: false, current };
        assertHeld();
        await this.install(temp, si, shnum, data.byteLength);
        installed = true;
        return { ok: true };
      });
    } catch (err) {
      throw toNodeError(this.id, 'test-and-set', err);
    } finally {
      if (!installed) await ignoring(unlink(temp));
    }
  }

  /** In sorted order, as a folder walk gives it: shares in files and in packs, each index once. */
  async *listStorageIndexes(): AsyncIterable<StorageIndexText> {
    this.assertOpen();
    let folders: string[];
    try {
      await this.packs.refresh();
      folders = await listDir(this.sharesRoot);
    } catch (err) {
      throw toNodeError(this.id, 'listing storage indexes', err);
    }
    const packedByPrefix = new Map<string, StorageIndexText[]>();
    for (const si of this.packs.storageIndexes()) {
      const prefix = si.slice(0, 2);
      const list = packedByPrefix.get(prefix);
      if (list === undefined) packedByPrefix.set(prefix, [si]);
      else list.push(si);
    }
    const hasFolder = new Set(folders);
    const prefixes = [...new Set([...folders, ...packedByPrefix.keys()])].sort();
    for (const prefix of prefixes) {
      let names: string[];
      try {
        names = hasFolder.has(prefix) ? await listDir(join(this.sharesRoot, prefix)) : [];
      } catch (err) {
        throw toNodeError(this.id, 'listing storage indexes', err);
      }
      const indexes = new Set<string>(packedByPrefix.get(prefix));
      for (const name of names) {
        const share = parseShareName(name);
        if (share?.si.startsWith(prefix)) indexes.add(share.si);
      }
      yield* [...indexes].sort();
    }
  }

  async space(): Promise<NodeSpace> {
    this.assertOpen();
    try {
      const [fs, info] = await Promise.all([statfs(this.location), stat(this.location)]);
      return {
        totalBytes: fs.bsize * fs.blocks,
        freeBytes: fs.bsize * fs.bavail,
        usedBytes: Math.max(0, this.usedBytes) + this.packs.liveBytes,
        volume: `local-dev:${info.dev}`,
      };
    } catch (err) {
      throw toNodeError(this.id, 'reading free space', err);
    }
  }

  /** Aborts unfinished writers and releases this instance's temp folder. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.lateSweep);
    await Promise.all([...this.writers].map((writer) => writer.abort()));
    // Undefined only when open() failed while opening the packs.
    await (this.packs as SharePacks | undefined)?.close();
    await this.readHandles.closeAll();
    const scratch = await ignoring(this.scratch);
    if (scratch === undefined) return;
    await ignoring(rm(scratch.dir, { recursive: true, force: true }));
    await ignoring(scratch.release());
  }

  // -------------------------------------------------------------------------------------------

  /**
   * Reads a share from its pack, else from its file. When neither has it, another process may
   * have just packed it: look at the packs again before answering null (not found).
   */
  private async readEither<T>(
    si: StorageIndexText,
    shnum: number,
    fromPack: (packed: PackedShare) => Promise<T>,
    fromFile: () => Promise<T | null>,
  ): Promise<T | null> {
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const packed = this.packs.locate(si, shnum);
        if (packed !== undefined) return await fromPack(packed);
        const fromDisk = await fromFile();
        if (fromDisk !== null || attempt > 0) return fromDisk;
        await this.packs.refresh();
      }
      return null;
    } catch (err) {
      throw toNodeError(this.id, 'reading share', err);
    }
  }

  private sweepLater(): void {
    this.lateSweep = setTimeout(() => {
      if (!this.closed) void ignoring(sweepScratch(this.tmpRoot));
    }, LOCK_STALE_MS + 1_000);
    this.lateSweep.unref();
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageNodeError(this.id, 'node is closed');
  }

  private prefixDir(si: StorageIndexText): string {
    return join(this.sharesRoot, si.slice(0, 2));
  }

  private sharePath(si: StorageIndexText, shnum: number): string {
    return join(this.prefixDir(si), `${si}.${shnum}`);
  }

  /** This instance's temp folder, re-claimed if another opener took it over (our lock went stale). */
  private async scratchDir(): Promise<string> {
    const current = this.scratch;
    const scratch = await current;
    if (!scratch.lost) return scratch.dir;
    if (this.scratch === current) {
      const next = claimScratch(this.tmpRoot);
      this.scratch = next;
      // On failure go back to the lost one, so that the next call tries again.
      void next.catch(() => {
        if (this.scratch === next) this.scratch = current;
      });
    }
    return (await this.scratch).dir;
  }

  private async writeTemp(si: StorageIndexText, shnum: number, data: Uint8Array): Promise<string> {
    let temp: string | undefined;
    let handle: FileHandle | undefined;
    try {
      temp = join(await this.scratchDir(), `${si}.${shnum}.${randomBase32(8)}.tmp`);
      handle = await open(temp, 'wx');
      await writeFully(handle, data, 0);
      await handle.sync();
      await handle.close();
      return temp;
    } catch (err) {
      await ignoring(handle?.close() ?? Promise.resolve());
      if (temp !== undefined) await ignoring(unlink(temp));
      throw toNodeError(this.id, 'writing share', err);
    }
  }

  /** Renames a fsynced temp file over the share and makes the rename durable. Call under the share's mutex (see the host's install, and withShareLock). */
  private async install(temp: string, si: StorageIndexText, shnum: number, size: number): Promise<void> {
    const dir = this.prefixDir(si);
    const file = this.sharePath(si, shnum);
    for (let attempt = 1; ; attempt++) {
      if (!this.knownPrefixes.has(dir)) {
        // A new folder must be durable in shares/ before a share is renamed into it, or a crash
        // could lose the share with the folder's entry.
        if ((await mkdir(dir, { recursive: true })) !== undefined) await fsyncDir(this.sharesRoot);
        this.knownPrefixes.add(dir);
      }
      const previous = await sizeOf(file);
      this.readHandles.forget(file);
      try {
        await rename(temp, file);
        await fsyncDir(dir);
        this.usedBytes += size - previous;
        return;
      } catch (err) {
        // ENOENT with our temp file still there: the two-letter folder was removed behind our
        // back (we never remove one). Make it again.
        if (errnoCode(err) !== 'ENOENT' || attempt >= 2 || (await sizeOf(temp)) !== size) throw err;
        this.knownPrefixes.delete(dir);
      }
    }
  }

  /**
   * Runs `section` holding the share's lock: first this instance's in-process mutex, then the
   * cross-process lock file. `assertHeld` throws if the lock file was taken over (we stalled for
   * longer than LOCK_STALE_MS); call it right before making a change visible.
   */
  private withShareLock<T>(
    si: StorageIndexText,
    shnum: number,
    section: (assertHeld: () => void) => Promise<T>,
  ): Promise<T> {
    return this.mutex.run(`${si}/${shnum}`, async () => {
      const target = join(this.locksRoot, `${si}.${shnum}`);
      let compromised: Error | undefined;
      const release = await lock(target, {
        realpath: false,
        lockfilePath: `${target}.lock`,
        stale: LOCK_STALE_MS,
        retries: LOCK_RETRIES,
        onCompromised: (err) => {
          compromised = err;
        },
      });
      try {
        return await section(() => {
          if (compromised !== undefined) {
            throw new StorageNodeError(this.id, 'share lock was lost (stalled past the stale timeout)', {
              cause: compromised,
            });
          }
        });
      } finally {
        // Rejects when the lock was compromised; there is nothing left to release then.
        await ignoring(release());
      }
    });
  }
}

function nodeFileText(id: string): string {
  return `${JSON.stringify({ format: FORMAT, version: NODE_VERSION, id })}\n`;
}

function parseShareName(name: string): { si: StorageIndexText; shnum: number } | undefined {
  const match = SHARE_NAME.exec(name);
  if (match === null) return undefined;
  const shnum = Number(match[2]);
  return shnum <= 255 ? { si: match[1] as StorageIndexText, shnum } : undefined;
}

async function readNodeFile(location: string): Promise<{ id: string; version: number }> {
  let text: string;
  try {
    text = await readFile(join(location, NODE_FILE), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') {
      throw new StorageNodeError(location, `not a storage node folder (no ${NODE_FILE})`, { cause: err });
    }
    throw toNodeError(location, `reading ${NODE_FILE}`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StorageNodeError(location, `${NODE_FILE} is corrupt (not JSON)`, { cause: err });
  }
  const parsed = v.safeParse(NodeFileSchema, json);
  if (!parsed.success) {
    throw new StorageNodeError(location, `${NODE_FILE} is corrupt: ${v.summarize(parsed.issues)}`);
  }
  const { id, version } = parsed.output;
  if (version !== 1 && version !== 2 && version !== NODE_VERSION) {
    throw new StorageNodeError(location, `${NODE_FILE} has unsupported version ${version}`);
  }
  return { id, version };
}

/**
 * Moves a version 1 node's shares from shares/<xx>/<si>/<shnum> to shares/<xx>/<si>.<shnum>, then
 * writes version 2. Each move is a rename within one folder tree, so a crash leaves every share
 * in one place or the other, and node.json still says version 1 until every move is durable: the
 * next open simply carries on. A share already moved (or moved by a concurrent opener) is skipped.
 */
async function migrateFromVersion1(location: string, id: string): Promise<void> {
  const sharesRoot = join(location, 'shares');
  for (const prefix of await listDir(sharesRoot)) {
    const prefixDir = join(sharesRoot, prefix);
    let moved = false;
    for (const si of await listDir(prefixDir)) {
      if (!STORAGE_INDEX.test(si)) continue;
      const indexDir = join(prefixDir, si);
      if ((await ignoring(stat(indexDir), 'ENOENT'))?.isDirectory() !== true) continue;
      for (const name of await listDir(indexDir)) {
        if (!SHNUM_NAME.test(name)) continue;
        await ignoring(rename(join(indexDir, name), join(prefixDir, `${si}.${name}`)), 'ENOENT');
        moved = true;
      }
      // Left in place when it still holds something that is not a share.
      await ignoring(rmdir(indexDir));
    }
    if (moved) await fsyncDir(prefixDir);
  }
  await writeFileDurably(join(location, NODE_FILE), nodeFileText(id));
}

async function walkUsage(sharesRoot: string): Promise<number> {
  let total = 0;
  for (const prefix of await listDir(sharesRoot)) {
    for (const name of await listDir(join(sharesRoot, prefix))) {
      if (parseShareName(name) === undefined) continue;
      const info = await ignoring(stat(join(sharesRoot, prefix, name)), 'ENOENT');
      if (info?.isFile()) total += info.size;
    }
  }
  return total;
}
