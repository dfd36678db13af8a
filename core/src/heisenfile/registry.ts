import type { Cap } from '../caps/cap.js';
import { storageIndexOf } from '../caps/derive.js';
import { base32Encode } from '../util/base32.js';
import { mutableSiText } from '../mutable/keys.js';

/**
 * A directory entry as heisenfiles know it: the parent directory (by storage index, which every
 * cap of one directory shares, so two accounts holding different caps to it meet here) and the
 * child's NFC name. Undefined for a file reached without a parent (`/uri/<cap>`).
 */
export type DirentryKey = string;

export function direntryKey(parent: Cap | undefined, childName: string | undefined): DirentryKey | undefined {
  if (parent === undefined || childName === undefined) return undefined;
  const dir = directoryKey(parent);
  return dir === undefined ? undefined : `${dir}/${childName.normalize('NFC')}`;
}

/** The directory part of the direntry keys of a directory's children. */
export function directoryKey(dir: Cap): string | undefined {
  // Mutable caps through the key cache (an Ed25519 derivation each time otherwise).
  if (dir.kind === 'mutable-write' || dir.kind === 'mutable-read') return mutableSiText(dir);
  const si = storageIndexOf(dir);
  return si === undefined ? undefined : base32Encode(si);
}

/** What the registry needs of an open-for-writing file (the session's handle implements it). */
export interface Heisenfile {
  readonly userpath: string;
  readonly direntry: DirentryKey | undefined;
  /** Marks the file as never to be committed; synchronous, so no commit can slip in after it. */
  abandon(): void;
  /** Moves the pending commit to a new name; synchronous, for the same reason. */
  rename(userpath: string, parent: Cap | undefined, childName: string | undefined): void;
  /** Resolves once a close already under way has committed (or failed); at once otherwise. */
  sync(): Promise<void>;
  /**
   * Resolves once the entry the file's open created is in the grid (an EXCL open publishes its
   * empty file in the background); at once for other opens.
   */
  published(): Promise<void>;
  /**
   * After `rename` and `sync`: true when a commit already linked the content at the new name, so
   * whatever the old name still holds is stale and must not be moved over it.
   */
  linkedSinceRename(): boolean;
  /** The client has closed it: what it wrote is final and its commit is under way or done. */
  readonly closed: boolean;
}

export interface HeisenfileSession {
  readonly id: string;
}

/**
 * Files open for writing that every other operation must see although the grid does not have them
 * yet (DESIGN §3, Tahoe's `_heisenfiles` and `all_heisenfiles`). Two indexes:
 *
 * - by user path, per session: filled the moment an OPEN arrives, before anything slow, so a
 *   STAT, RENAME or REMOVE pipelined right behind the OPEN (sshfs does that) already finds it;
 * - by directory entry, shared by every session and account of the grid: filled once the parent
 *   directory is known, so another account that reaches the same directory sees the file too.
 *
 * Every change below first updates the indexes and the files synchronously, and only then waits
 * for files whose close is already under way (`sync`). A rename or remove thereby happens either
 * before a file's close (the commit then goes to the new name, or nowhere) or after its commit
 * (which the caller waits for), never in between, so a commit can never land at the old name, or
 * land at all, after the rename or remove has been answered.
 */
export class HeisenfileRegistry {
  private readonly byDirentry = new Map<DirentryKey, Heisenfile[]>();
  private readonly byPath = new Map<string, Map<string, Heisenfile[]>>();
  /** The session that opened each file: its path index is the file's, wherever a rename comes from. */
  private readonly owners = new Map<Heisenfile, string>();

  private pathsOf(session: HeisenfileSession | string): Map<string, Heisenfile[]> {
    const id = typeof session === 'string' ? session : session.id;
    let paths = this.byPath.get(id);
    if (paths === undefined) {
      paths = new Map();
      this.byPath.set(id, paths);
    }
    return paths;
  }

  addByPath(session: HeisenfileSession, file: Heisenfile): void {
    this.owners.set(file, session.id);
    append(this.pathsOf(session), file.userpath, file);
  }

  addByDirentry(file: Heisenfile): void {
    if (file.direntry !== undefined) append(this.byDirentry, file.direntry, file);
  }

  /** The open files at a path or entry, oldest first (STAT answers from the newest). */
  filesAt(session: HeisenfileSession, userpath: string, direntry: DirentryKey | undefined): Heisenfile[] {
    const found = [
      ...(direntry === undefined ? [] : (this.byDirentry.get(direntry) ?? [])),
      ...(this.pathsOf(session).get(userpath) ?? []),
    ];
    return [...new Set(found)];
  }

  /**
   * REMOVE of a path: abandons every file there (by path or by entry) and waits for those already
   * closing. Resolves true when there were any, so the caller can treat "no such child" in the
   * grid as success (the file existed only as a heisenfile).
   */
  async abandonAt(
    session: HeisenfileSession,
    userpath: string,
    direntry: DirentryKey | undefined,
  ): Promise<boolean> {
    const files = this.take(session, userpath, direntry);
    for (const file of files) file.abandon();
    await settleAll(files);
    return files.length > 0;
  }

  /**
   * RENAME: moves every file at the source to the destination. With `overwrite` false, a file
   * already open at the destination makes it fail (resolves 'exists'; the caller answers as for
   * an existing entry). Otherwise says whether any file moved, and whether a commit under way
   * has already linked one at the destination (the caller then drops the source's entry instead
   * of moving it: see WriteHandle).
   */
  async renameAt(
    session: HeisenfileSession,
    from: { userpath: string; parent: Cap | undefined; childName: string | undefined },
    to: { userpath: string; parent: Cap | undefined; childName: string | undefined },
    overwrite: boolean,
  ): Promise<{ moved: boolean; linkedAtDestination: boolean } | 'exists'> {
    const fromEntry = direntryKey(from.parent, from.childName);
    const toEntry = direntryKey(to.parent, to.childName);
    if (!overwrite && this.filesAt(session, to.userpath, toEntry).length > 0) return 'exists';
    const files = this.take(session, from.userpath, fromEntry);
    for (const file of files) {
      file.rename(to.userpath, to.parent, to.childName);
      append(this.pathsOf(this.owners.get(file) ?? session.id), file.userpath, file);
      this.addByDirentry(file);
    }
    await settleAll(files);
    return { moved: files.length > 0, linkedAtDestination: files.some((f) => f.linkedSinceRename()) };
  }

  /** Waits for every commit under way at a path or entry (a reopen waits for the last close). */
  async syncAt(
    session: HeisenfileSession,
    userpath: string,
    direntry: DirentryKey | undefined,
    ignore?: Heisenfile,
  ): Promise<void> {
    await syncAll(this.filesAt(session, userpath, direntry).filter((file) => file !== ignore));
  }

  /**
   * Waits until a change of the entry itself (a link of it) may run: the entries the files there
   * created are in the grid, and commits under way are done.
   */
  async settleAt(
    session: HeisenfileSession,
    userpath: string,
    direntry: DirentryKey | undefined,
    ignore?: Heisenfile,
  ): Promise<void> {
    await settleAll(this.filesAt(session, userpath, direntry).filter((file) => file !== ignore));
  }

  /**
   * Waits for the commits under way into one directory (by storage index): a listing, or an
   * emptiness check, made after a CLOSE must include what that CLOSE commits, even when the
   * CLOSE's reply has not been sent yet. So must it include a file created with EXCL.
   */
  async syncDirectory(dir: Cap): Promise<void> {
    const key = directoryKey(dir);
    if (key === undefined) return;
    const prefix = `${key}/`;
    const files: Heisenfile[] = [];
    for (const [direntry, here] of this.byDirentry) if (direntry.startsWith(prefix)) files.push(...here);
    for (const file of files) {
      await file.published().catch(() => undefined);
      if (file.closed) await file.sync().catch(() => undefined);
    }
  }

  /** A file's close is done: it leaves both indexes. */
  remove(file: Heisenfile): void {
    if (file.direntry !== undefined) without(this.byDirentry, file.direntry, file);
    const owner = this.owners.get(file);
    if (owner !== undefined) {
      const paths = this.pathsOf(owner);
      without(paths, file.userpath, file);
      if (paths.size === 0) this.byPath.delete(owner);
    }
    this.owners.delete(file);
  }

  /**
   * A session ends (or its connection drops): every file it still has open is abandoned. A file
   * the client already closed is not: the client asked for that commit (sshfs does not even wait
   * for the CLOSE reply before it unmounts), so it goes on, and leaves the registry when done.
   */
  endSession(session: HeisenfileSession): Heisenfile[] {
    const paths = this.byPath.get(session.id);
    const files = [...new Set([...(paths?.values() ?? [])].flat())].filter((file) => !file.closed);
    for (const file of files) {
      file.abandon();
      if (file.direntry !== undefined) without(this.byDirentry, file.direntry, file);
      if (paths !== undefined) without(paths, file.userpath, file);
      this.owners.delete(file);
    }
    if (paths !== undefined && paths.size === 0) this.byPath.delete(session.id);
    return files;
  }

  /** How many files are registered (tests assert none is left behind). */
  get size(): number {
    const all = new Set<Heisenfile>([...this.byDirentry.values()].flat());
    for (const paths of this.byPath.values())
      for (const files of paths.values()) for (const file of files) all.add(file);
    return all.size;
  }

  /** Whether a file is still registered anywhere. */
  has(file: Heisenfile): boolean {
    if (this.owners.has(file)) return true;
    return [...this.byDirentry.values()].some((files) => files.includes(file));
  }

  private take(
    session: HeisenfileSession,
    userpath: string,
    direntry: DirentryKey | undefined,
  ): Heisenfile[] {
    const files: Heisenfile[] = [];
    if (direntry !== undefined) {
      files.push(...(this.byDirentry.get(direntry) ?? []));
      this.byDirentry.delete(direntry);
    }
    const paths = this.pathsOf(session);
    files.push(...(paths.get(userpath) ?? []));
    paths.delete(userpath);
    // A file may sit in both indexes (its path index may be another session's): it leaves both.
    const unique = [...new Set(files)];
    for (const file of unique) {
      if (file.direntry !== undefined) without(this.byDirentry, file.direntry, file);
      without(this.pathsOf(this.owners.get(file) ?? session.id), file.userpath, file);
    }
    return unique;
  }
}

function append<K>(map: Map<K, Heisenfile[]>, key: K, file: Heisenfile): void {
  const files = map.get(key);
  if (files === undefined) map.set(key, [file]);
  else if (!files.includes(file)) files.push(file);
}

function without<K>(map: Map<K, Heisenfile[]>, key: K, file: Heisenfile): void {
  const files = map.get(key)?.filter((f) => f !== file);
  if (files === undefined) return;
  if (files.length > 0) map.set(key, files);
  else map.delete(key);
}

/** Waits for each file's commit in turn; a failed commit does not stop the others being awaited. */
async function syncAll(files: readonly Heisenfile[]): Promise<void> {
  for (const file of files) await file.sync().catch(() => undefined);
}

/** syncAll, after each file's created entry is in the grid (see `settleAt`). */
async function settleAll(files: readonly Heisenfile[]): Promise<void> {
  for (const file of files) {
    await file.published().catch(() => undefined);
    await file.sync().catch(() => undefined);
  }
}
