import { randomUUID } from 'node:crypto';
import type { ActivityRegistry } from '../activity/activity-registry.js';
import { isDirectoryCap, type Cap } from '../caps/cap.js';
import type { Freshness } from '../dirnode/directory.js';
import { cleanMetadata, DirectoryError, type DirEntry, type EntryMetadata } from '../dirnode/entries.js';
import { memoryFileReader } from '../grid/file-reader.js';
import type { Grid } from '../grid/grid.js';
import { attributesOf, attributesOfEntry, metadataFromAttrs, type SftpAttrs } from '../vfs/attributes.js';
import { toSftpError } from '../vfs/error-mapping.js';
import { SftpError, SftpStatus } from '../vfs/sftp-status.js';
import { DirHandle } from './dir-handle.js';
import { ReadHandle } from './read-handle.js';
import { direntryKey, type HeisenfileRegistry, type HeisenfileSession } from './registry.js';
import { capOfEntry, childEntry, locate, userpathOf, writableDirectory, type Located } from './resolve.js';
import {
  flagNames,
  OpenFlags,
  type FileSystemSessionApi,
  type SessionDirectoryHandle,
  type SessionFileHandle,
  type StatVfs,
} from './session-api.js';
import { WriteHandle } from './write-handle.js';

export interface SessionOptions {
  readonly grid: Grid;
  /** One per grid: every session's heisenfiles meet there by directory entry. */
  readonly heisenfiles: HeisenfileRegistry;
  readonly activity: ActivityRegistry;
  readonly account: string;
  /** The account's root directory (a read cap for a read-only account). */
  readonly root: Cap;
  readonly convergenceSecret: Uint8Array;
  readonly spoolDir: string;
  /**
   * How old a directory listing this process read or wrote may be and still answer (default
   * DIRECTORY_MAX_AGE_MS). This process's own changes are always seen at once; another
   * process's within this time. Writes are never affected: they test-and-set (DESIGN §2).
   */
  readonly directoryMaxAgeMs?: number;
}

/**
 * A session trusts a directory listing for a second before it asks the servers for the
 * directory's version again, as an NFS or sshfs attribute cache does (sshfs itself caches for 20
 * s): git inside an sshfs mount makes ~1,400 LSTATs per commit, each of which otherwise maps every
 * directory on its path (~10 ms each on five local nodes; 0.3 ms trusted). Changes this process
 * makes are seen at once in every session (the cache is written through); only another process
 * writing the same nodes is seen up to a second late. An earlier try of this window was blamed
 * for git reading a short `.git/index` over sshfs with max_conns=3; the cause was two heisenfile
 * races, not the cache (see WriteHandle's class comment and FileSystemSession.awaitOtherWriters).
 */
export const DIRECTORY_MAX_AGE_MS = 1000;

const EMPTY_FILE: Cap = { kind: 'lit', data: new Uint8Array(0) };
const COPY_CHUNK = 256 * 1024;
const SMALL_FILE = 64 * 1024;
const OTHER_WRITER_GRACE_MS = 2000;

/** Runs an operation and answers every failure as an SftpError (DESIGN §4). */
async function sftp<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toSftpError(error);
  }
}

function needChild(located: Located, what: string): { parent: Cap; childName: string } {
  if (located.parent === undefined || located.childName === undefined) {
    throw new SftpError(SftpStatus.NO_SUCH_FILE, `cannot ${what} an object specified by URI or the root`);
  }
  return { parent: located.parent, childName: located.childName };
}

function needWritable(parent: Cap): void {
  if (!writableDirectory(parent))
    throw new SftpError(SftpStatus.PERMISSION_DENIED, 'the directory is read-only');
}

/**
 * The file-system session of one connected user (Tahoe's SFTPUserHandler): the SFTP operations
 * on the grid, with files open for writing visible to every operation as heisenfiles.
 */
export class FileSystemSession implements FileSystemSessionApi, HeisenfileSession {
  readonly id = randomUUID();
  private ended = false;

  constructor(private readonly options: SessionOptions) {}

  private get grid(): Grid {
    return this.options.grid;
  }

  private get registry(): HeisenfileRegistry {
    return this.options.heisenfiles;
  }

  private get freshness(): Freshness {
    return { maxAgeMs: this.options.directoryMaxAgeMs ?? DIRECTORY_MAX_AGE_MS };
  }

  private locate(path: string | Uint8Array): Promise<Located> {
    return locate(this.grid, this.options.root, path, this.freshness);
  }

  private child(parent: Cap, name: string): Promise<DirEntry | undefined> {
    return childEntry(this.grid, parent, name, this.freshness);
  }

  open(path: string | Uint8Array, flags: number, attrs: SftpAttrs): Promise<SessionFileHandle> {
    if ((flags & (OpenFlags.READ | OpenFlags.WRITE)) === 0) {
      return Promise.reject(
        new SftpError(
          SftpStatus.BAD_MESSAGE,
          'invalid open flags: at least one of READ and WRITE must be set',
        ),
      );
    }
    if ((flags & OpenFlags.EXCL) !== 0 && (flags & OpenFlags.CREAT) === 0) {
      return Promise.reject(
        new SftpError(SftpStatus.BAD_MESSAGE, 'invalid open flags: EXCL cannot be set without CREAT'),
      );
    }
    let userpath: string;
    try {
      ({ userpath } = userpathOf(path));
    } catch (error) {
      return Promise.reject(toSftpError(error));
    }
    const writing = (flags & (OpenFlags.WRITE | OpenFlags.CREAT)) !== 0;
    // A write handle is registered under its path before anything slow happens, so a STAT,
    // RENAME or REMOVE pipelined right behind this OPEN already sees it (sshfs does that).
    const handle = writing ? this.newWriteHandle(userpath, flags) : undefined;
    if (handle !== undefined) this.registry.addByPath(this, handle);
    return sftp(async () => {
      try {
        return await this.finishOpen(path, flags, attrs, userpath, handle);
      } catch (error) {
        if (handle !== undefined) {
          handle.failOpen(error);
          this.registry.remove(handle);
          await handle.close().catch(() => undefined);
        }
        throw error;
      }
    });
  }

  private newWriteHandle(userpath: string, flags: number): WriteHandle {
    const activity = this.options.activity.open({
      sessionId: this.id,
      account: this.options.account,
      path: userpath,
      flags: flagNames(flags),
    });
    return new WriteHandle(
      {
        grid: this.grid,
        registry: this.registry,
        activity,
        convergenceSecret: this.options.convergenceSecret,
        spoolDir: this.options.spoolDir,
        sessionId: this.id,
      },
      userpath,
      flags,
    );
  }

  private async finishOpen(
    path: string | Uint8Array,
    flags: number,
    attrs: SftpAttrs,
    userpath: string,
    handle: WriteHandle | undefined,
  ): Promise<SessionFileHandle> {
    // An open sets times only; permissions change through SETSTAT (as Tahoe).
    const desired = cleanMetadata(attrs.mtime === undefined ? {} : { mtime: attrs.mtime });
    const located = await this.locate(path);
    if (located.childName === undefined || located.parent === undefined) {
      // `/uri/<filecap>`: no parent to link into.
      const node = located.node as Cap;
      if (isDirectoryCap(node) || node.kind === 'unknown') {
        throw new SftpError(
          SftpStatus.PERMISSION_DENIED,
          'cannot open a directory or an unknown cap as a file',
        );
      }
      if ((flags & OpenFlags.EXCL) !== 0)
        throw new SftpError(SftpStatus.FAILURE, 'cannot create a file exclusively when it already exists');
      if (handle !== undefined) {
        if (node.kind !== 'mutable-write') {
          throw new SftpError(
            SftpStatus.PERMISSION_DENIED,
            'cannot write to a non-writeable file without a parent directory',
          );
        }
        await handle.complete({
          parent: undefined,
          childName: undefined,
          existing: node,
          metadata: {},
          created: false,
        });
        return handle;
      }
      return this.readHandle(node, userpath, flags, false);
    }
    const { parent, childName } = located;
    const direntry = direntryKey(parent, childName);
    const parentWritable = writableDirectory(parent);
    if (handle === undefined) {
      await this.awaitOtherWriters(userpath, direntry);
      // Reading a file that was just closed: answer from its spool while its commit runs.
      const closing = this.registry
        .filesAt(this, userpath, direntry)
        .filter((f): f is WriteHandle => f instanceof WriteHandle)
        .reverse()
        .map((f) => f.readWhileCommitting())
        .find((found) => found !== undefined);
      if (closing !== undefined) {
        const activity = this.options.activity.open({
          sessionId: this.id,
          account: this.options.account,
          path: userpath,
          flags: flagNames(flags),
        });
        const attrs = attributesOf(undefined, { parentWritable, size: closing.reader.size });
        return new ReadHandle(closing.reader, attrs, activity, undefined, closing.done);
      }
    }
    // A reopen waits for the commit of an earlier handle at this entry (sshfs reports a file
    // closed before our CLOSE reply, and then reopens it), and for the empty file of an EXCL
    // open still on its way to the grid (mkstemp, then open by the name: see createExclusively).
    await this.registry.settleAt(this, userpath, direntry, handle);
    if ((flags & OpenFlags.EXCL) !== 0) {
      if (handle === undefined)
        throw new SftpError(SftpStatus.FAILURE, 'internal: creation without a write handle');
      if (!parentWritable)
        throw new SftpError(SftpStatus.FAILURE, 'cannot create a file exclusively in a read-only directory');
      return this.createExclusively(handle, userpath, parent, childName, desired);
    }
    const entry = await this.child(parent, childName);
    if (entry === undefined) {
      if ((flags & OpenFlags.CREAT) === 0)
        throw new SftpError(
          SftpStatus.NO_SUCH_FILE,
          'the file does not exist, and was not opened with CREAT',
        );
      if (!parentWritable)
        throw new SftpError(SftpStatus.PERMISSION_DENIED, 'cannot create a file in a read-only directory');
      if (handle === undefined)
        throw new SftpError(SftpStatus.FAILURE, 'internal: creation without a write handle');
      await handle.complete({ parent, childName, existing: undefined, metadata: desired, created: true });
      this.registry.addByDirentry(handle);
      return handle;
    }
    const cap = capOfEntry(entry);
    if (isDirectoryCap(cap))
      throw new SftpError(SftpStatus.PERMISSION_DENIED, 'cannot open a directory as if it were a file');
    if (cap.kind === 'unknown')
      throw new SftpError(SftpStatus.PERMISSION_DENIED, 'cannot open an unknown cap');
    const writable = attributesOfEntry(entry, { parentWritable }).permissions;
    const noWrite = writable === undefined || (writable & 0o200) === 0;
    if ((flags & OpenFlags.WRITE) !== 0 && noWrite) {
      throw new SftpError(SftpStatus.PERMISSION_DENIED, 'cannot open a non-writeable file for writing');
    }
    if (handle !== undefined) {
      if (!parentWritable && cap.kind !== 'mutable-write') {
        throw new SftpError(SftpStatus.PERMISSION_DENIED, 'cannot replace a file in a read-only directory');
      }
      await handle.complete({
        parent,
        childName,
        existing: cap,
        metadata: { ...entry.metadata, ...desired },
        created: false,
      });
      this.registry.addByDirentry(handle);
      return handle;
    }
    return this.readHandle(cap, userpath, flags, parentWritable, entry.metadata);
  }

  /**
   * OPEN with EXCL: the entry exists from the OPEN on (DESIGN §3), "atomically with respect to
   * updates by this storage client", as Tahoe puts it. The name is taken in this process at once:
   * checked and registered under its entry with no await in between, so of two EXCL opens of a
   * name, from any sessions of this gateway, exactly one wins, and every other operation sees the
   * file from then on (STAT answers from the handle). The empty file that holds the name in the
   * grid is published in the background, with the directory's next change (ChangeQueues),
   * instead of making the client wait for one durable publish per file: `cp` into an sshfs mount
   * opens every file with O_EXCL and waits for each OPEN. Whatever needs the entry in the grid
   * waits for that publish: the commit's link, a rename or remove or link of the name, a listing
   * of the directory (HeisenfileRegistry: `published`). A name another process took meanwhile
   * is caught by that publish's test-and-set and reported at CLOSE, never overwritten.
   */
  private async createExclusively(
    handle: WriteHandle,
    userpath: string,
    parent: Cap,
    childName: string,
    metadata: EntryMetadata,
  ): Promise<WriteHandle> {
    const taken = this.registry
      .filesAt(this, userpath, direntryKey(parent, childName))
      .some((file) => file !== handle);
    if (taken)
      throw new SftpError(SftpStatus.FAILURE, 'cannot create a file exclusively when it already exists');
    handle.reserve(parent, childName);
    this.registry.addByDirentry(handle);
    if ((await this.child(parent, childName)) !== undefined)
      throw new SftpError(SftpStatus.FAILURE, 'cannot create a file exclusively when it already exists');
    const entryCreation = this.grid.addChild(parent, childName, EMPTY_FILE, {
      mode: 'no-overwrite',
      metadata,
      coalesce: true,
    });
    await handle.complete({ parent, childName, existing: undefined, metadata, created: true, entryCreation });
    return handle;
  }

  /**
   * sshfs with max_conns sends a file's CLOSE on the connection that opened it, and the kernel
   * sends that close (FUSE RELEASE) after close(2) has returned: the client's next steps — git
   * renaming `index.lock` over `index`, linking a written object to its name, reading the file —
   * can reach us on another connection before it. Every byte is here by then (sshfs waits for its
   * WRITE replies before close(2) returns), but not yet in the grid: the entry at the name is
   * missing or is the empty file an EXCL open made. So an open for reading or a link of a name
   * that another session has open with uncommitted changes gives that CLOSE a moment to come in;
   * the caller then reads the closed file from its spool or waits for its commit. A writer that
   * holds its file open longer (a long upload) costs one wait, after which the committed content
   * is what there is, as in Tahoe.
   */
  private async awaitOtherWriters(userpath: string, direntry: string | undefined): Promise<void> {
    const pending = this.registry
      .filesAt(this, userpath, direntry)
      .filter((f): f is WriteHandle => f instanceof WriteHandle && f.uncommitted && f.sessionId !== this.id);
    if (pending.length > 0) await Promise.race(pending.map((f) => f.whenClosed(OTHER_WRITER_GRACE_MS)));
  }

  private async readHandle(
    cap: Cap,
    userpath: string,
    flags: number,
    parentWritable: boolean,
    metadata: EntryMetadata = {},
  ): Promise<SessionFileHandle> {
    let reader = await this.grid.openFile(cap);
    // Small immutable files are read whole at open and served from memory (Tahoe's
    // ShortReadOnlySFTPFile): one round of share reads instead of one per client request.
    if (cap.kind === 'chk-read' && reader.size <= SMALL_FILE)
      reader = memoryFileReader(await reader.read(0, reader.size));
    const immutable = cap.kind === 'chk-read' || cap.kind === 'lit' ? cap : undefined;
    const activity = this.options.activity.open({
      sessionId: this.id,
      account: this.options.account,
      path: userpath,
      flags: flagNames(flags),
    });
    return new ReadHandle(
      reader,
      attributesOf(cap, { parentWritable, metadata, size: reader.size }),
      activity,
      immutable,
    );
  }

  remove(path: string | Uint8Array): Promise<void> {
    return sftp(async () => {
      const located = await this.locate(path);
      const { parent, childName } = needChild(located, 'remove');
      needWritable(parent);
      const abandoned = await this.registry.abandonAt(this, located.userpath, direntryKey(parent, childName));
      await this.grid.deleteChild(parent, childName, { mustExist: !abandoned, mustBe: 'file' });
    });
  }

  rename(from: string | Uint8Array, to: string | Uint8Array): Promise<void> {
    return this.move(from, to, false);
  }

  posixRename(from: string | Uint8Array, to: string | Uint8Array): Promise<void> {
    return this.move(from, to, true);
  }

  private move(
    fromPath: string | Uint8Array,
    toPath: string | Uint8Array,
    overwrite: boolean,
  ): Promise<void> {
    return sftp(async () => {
      const [from, to] = await Promise.all([this.locate(fromPath), this.locate(toPath)]);
      const source = needChild(from, 'rename');
      const target = needChild(to, 'rename to');
      needWritable(source.parent);
      needWritable(target.parent);
      if (!overwrite && (await this.child(target.parent, target.childName)) !== undefined) {
        throw new SftpError(SftpStatus.FAILURE, 'cannot rename onto an existing name');
      }
      const renamed = await this.registry.renameAt(
        this,
        { userpath: from.userpath, ...source },
        { userpath: to.userpath, ...target },
        overwrite,
      );
      if (renamed === 'exists')
        throw new SftpError(SftpStatus.FAILURE, 'cannot rename onto a file being written');
      if (renamed.linkedAtDestination) {
        // The commit under way linked the new content at the destination: the source still
        // holds the file as it was before (see WriteHandle), which must not land on top of it.
        await this.grid.deleteChild(source.parent, source.childName, { mustExist: false, mustBe: 'file' });
        return;
      }
      try {
        await this.grid.moveChild(source.parent, source.childName, target.parent, target.childName, {
          mode: overwrite ? 'overwrite' : 'no-overwrite',
        });
      } catch (error) {
        // The source existed only as a file being written: moving its commit was the rename.
        if (renamed.moved && error instanceof DirectoryError && error.code === 'no-such-child') return;
        throw error;
      }
    });
  }

  mkdir(path: string | Uint8Array, attrs: SftpAttrs): Promise<void> {
    return sftp(async () => {
      const metadata = metadataFromAttrs(attrs);
      if (metadata['no-write'] === true)
        throw new SftpError(
          SftpStatus.PERMISSION_DENIED,
          'cannot create a directory that is initially read-only',
        );
      const located = await this.locate(path);
      const { parent, childName } = needChild(located, 'create');
      needWritable(parent);
      // A file being committed or created at that name exists already.
      await this.registry.settleAt(this, located.userpath, direntryKey(parent, childName));
      if ((await this.child(parent, childName)) !== undefined)
        throw new SftpError(SftpStatus.FAILURE, 'it already exists');
      const created = await this.grid.createDirectory();
      await this.grid.addChild(parent, childName, created, {
        mode: 'no-overwrite',
        metadata: cleanMetadata(metadata.mtime === undefined ? {} : { mtime: metadata.mtime }),
      });
    });
  }

  rmdir(path: string | Uint8Array): Promise<void> {
    return sftp(async () => {
      const located = await this.locate(path);
      const { parent, childName } = needChild(located, 'remove');
      needWritable(parent);
      const entry = await this.child(parent, childName);
      if (entry === undefined) throw new SftpError(SftpStatus.NO_SUCH_FILE, 'no such directory');
      if (!entry.isDirectory) throw new SftpError(SftpStatus.PERMISSION_DENIED, 'not a directory');
      const dir = capOfEntry(entry);
      // A file closed into it, whose commit is still running, makes it non-empty already.
      await this.registry.syncDirectory(dir);
      if ((await this.grid.listDirectory(dir, this.freshness)).length > 0) {
        throw new SftpError(SftpStatus.FAILURE, 'the directory is not empty');
      }
      await this.grid.deleteChild(parent, childName, { mustExist: true, mustBe: 'directory' });
    });
  }

  opendir(path: string | Uint8Array): Promise<SessionDirectoryHandle> {
    return sftp(async () => {
      const located = await this.locate(path);
      let dir: Cap;
      if (located.childName === undefined || located.parent === undefined) dir = located.node as Cap;
      else {
        const entry = await this.child(located.parent, located.childName);
        if (entry === undefined) throw new SftpError(SftpStatus.NO_SUCH_FILE, 'no such directory');
        dir = capOfEntry(entry);
      }
      if (!isDirectoryCap(dir))
        throw new SftpError(SftpStatus.PERMISSION_DENIED, 'cannot list a file as if it were a directory');
      // Files closed into it (a CLOSE whose commit is still running) are listed once committed:
      // a listing asked for after a CLOSE shows what the CLOSE wrote.
      await this.registry.syncDirectory(dir);
      return new DirHandle(await this.grid.listDirectory(dir, this.freshness), writableDirectory(dir));
    });
  }

  stat(path: string | Uint8Array): Promise<SftpAttrs> {
    return sftp(async () => {
      const located = await this.locate(path);
      if (located.childName === undefined || located.parent === undefined) {
        const node = located.node as Cap;
        const size =
          isDirectoryCap(node) || node.kind === 'unknown' ? undefined : (await this.grid.openFile(node)).size;
        return attributesOf(node, { parentWritable: false, ...(size === undefined ? {} : { size }) });
      }
      const direntry = direntryKey(located.parent, located.childName);
      // Opens still in flight at this path finish first, so they are seen by entry too.
      await this.registry.syncAt(this, located.userpath, direntry);
      const open = this.registry
        .filesAt(this, located.userpath, direntry)
        .filter((f): f is WriteHandle => f instanceof WriteHandle);
      // The committed entry answers; a name that exists only as an open file answers from its
      // newest handle (DESIGN §3, as Tahoe's getAttrs). Beyond Tahoe: so does a name whose open
      // file has changes the entry does not have yet, as a local file system would show them. A
      // stale size here is not cosmetic: the kernel takes it as the file's size, and git in an
      // sshfs mount with max_conns read a renamed `.git/index` as empty ("index file smaller
      // than expected") when its CLOSE was still on its way (see awaitOtherWriters).
      const changed = open.filter((f) => f.uncommitted).at(-1);
      if (changed !== undefined) return changed.attrsNow();
      const entry = await this.child(located.parent, located.childName);
      if (entry === undefined) {
        const newest = open.at(-1);
        if (newest !== undefined) return newest.attrsNow();
        throw new SftpError(SftpStatus.NO_SUCH_FILE, 'no such file');
      }
      const cap = capOfEntry(entry);
      const size =
        isDirectoryCap(cap) || cap.kind === 'unknown' || cap.kind === 'lit' || cap.kind === 'chk-read'
          ? undefined
          : (await this.grid.openFile(cap)).size;
      return attributesOfEntry(entry, {
        parentWritable: writableDirectory(located.parent),
        ...(size === undefined ? {} : { size }),
      });
    });
  }

  lstat(path: string | Uint8Array): Promise<SftpAttrs> {
    // There are no symbolic links in the grid.
    return this.stat(path);
  }

  setstat(path: string | Uint8Array, attrs: SftpAttrs): Promise<void> {
    return sftp(async () => {
      if (attrs.size !== undefined) {
        // Truncate by path: the same as opening, resizing and closing.
        const handle = await this.open(path, OpenFlags.WRITE, {});
        try {
          await handle.fsetstat(attrs);
        } finally {
          await handle.close();
        }
        return;
      }
      const located = await this.locate(path);
      const { parent, childName } = needChild(located, 'change');
      const direntry = direntryKey(parent, childName);
      const open = this.registry
        .filesAt(this, located.userpath, direntry)
        .filter((f): f is WriteHandle => f instanceof WriteHandle);
      for (const file of open) file.updateMetadata(attrs);
      needWritable(parent);
      // A file whose close is committing takes no more metadata: it is set on its entry once linked.
      await this.registry.syncAt(this, located.userpath, direntry);
      const metadata = cleanMetadata({ ...metadataFromAttrs(attrs) });
      try {
        await this.grid.setChildMetadata(parent, childName, metadata);
      } catch (error) {
        if (
          open.some((file) => !file.closed) &&
          error instanceof DirectoryError &&
          error.code === 'no-such-child'
        )
          return;
        throw error;
      }
    });
  }

  realpath(path: string | Uint8Array): Promise<string> {
    return sftp(() => Promise.resolve(userpathOf(path).userpath));
  }

  readlink(): Promise<string> {
    return Promise.reject(new SftpError(SftpStatus.OP_UNSUPPORTED, 'symbolic links are not supported'));
  }

  symlink(): Promise<void> {
    return Promise.reject(new SftpError(SftpStatus.OP_UNSUPPORTED, 'symbolic links are not supported'));
  }

  statvfs(): Promise<StatVfs> {
    return sftp(async () => {
      const capacity = await this.grid.capacity();
      const fragment = 4096;
      const blocks = Math.floor(capacity.effectiveTotalBytes / fragment);
      const free = Math.floor(capacity.effectiveFreeBytes / fragment);
      return {
        blockSize: 1024 * 1024,
        fragmentSize: fragment,
        blocks,
        blocksFree: free,
        blocksAvailable: free,
        files: 0,
        filesFree: 0,
        filesAvailable: 0,
        fsid: 0,
        readOnly: !writableDirectory(this.options.root),
        nameMax: 255,
      };
    });
  }

  hardlink(existing: string | Uint8Array, link: string | Uint8Array): Promise<void> {
    return sftp(async () => {
      const [from, to] = await Promise.all([this.locate(existing), this.locate(link)]);
      const source = needChild(from, 'link');
      const target = needChild(to, 'link to');
      needWritable(target.parent);
      const sourceEntry = direntryKey(source.parent, source.childName);
      await this.awaitOtherWriters(from.userpath, sourceEntry);
      await this.registry.settleAt(this, from.userpath, sourceEntry);
      await this.registry.syncAt(this, to.userpath, direntryKey(target.parent, target.childName));
      const entry = await this.child(source.parent, source.childName);
      if (entry === undefined) throw new SftpError(SftpStatus.NO_SUCH_FILE, 'no such file');
      if (entry.isDirectory)
        throw new SftpError(SftpStatus.PERMISSION_DENIED, 'cannot hard-link a directory');
      await this.grid.addChild(target.parent, target.childName, capOfEntry(entry), {
        mode: 'no-overwrite',
        metadata: entry.metadata,
      });
    });
  }

  /**
   * copy-data: copies `length` bytes (0: to the end) from one open file to another. A whole
   * immutable file copied into a new, empty file is not copied at all: the new name is linked to
   * the same cap when it closes (DESIGN §4), which is instant whatever the size.
   */
  copyData(
    from: SessionFileHandle,
    fromOffset: number,
    length: number,
    to: SessionFileHandle,
    toOffset: number,
  ): Promise<void> {
    return sftp(async () => {
      if (!(to instanceof WriteHandle))
        throw new SftpError(SftpStatus.PERMISSION_DENIED, 'the destination is not open for writing');
      if (
        from instanceof ReadHandle &&
        from.immutableCap !== undefined &&
        fromOffset === 0 &&
        toOffset === 0 &&
        (length === 0 || length >= from.size) &&
        (await to.adopt(from.immutableCap, from.size))
      ) {
        return;
      }
      const end = length === 0 ? Number.MAX_SAFE_INTEGER : fromOffset + length;
      for (let offset = fromOffset; offset < end;) {
        let data: Uint8Array;
        try {
          data = await from.read(offset, Math.min(COPY_CHUNK, end - offset));
        } catch (error) {
          if (error instanceof SftpError && error.status === SftpStatus.EOF) break;
          throw error;
        }
        await to.write(toOffset + (offset - fromOffset), data);
        offset += data.length;
      }
    });
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    // Abandoned first (synchronously, in the registry), then closed: nothing partial is committed.
    const files = this.registry.endSession(this);
    await Promise.all(
      files.map((file) =>
        file instanceof WriteHandle ? file.close().catch(() => undefined) : Promise.resolve(),
      ),
    );
  }
}
