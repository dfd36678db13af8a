import type { MutableVersion } from '../mutable/share-format.js';
import { compareVersions, versionKey } from '../mutable/share-format.js';
import type { DirEntry } from './entries.js';

export interface DirectoryCacheOptions {
  /** The clock (tests move it instead of waiting). */
  readonly now?: () => number;
  /** Directories kept; the least recently used go first. */
  readonly limit?: number;
  /** Entries kept over all directories. */
  readonly entryLimit?: number;
}

/** One directory as this process last saw it: a version and its decoded entries. */
export interface CachedDirectory {
  readonly version: MutableVersion;
  readonly key: string;
  /** Sorted by name, as stored. Write caps are present only when `withWriteCaps`. */
  readonly entries: readonly DirEntry[];
  readonly withWriteCaps: boolean;
  /** When the servers (or our own publish) last showed this version to be the newest. */
  checkedAt: number;
  byName?: Map<string, DirEntry>;
  readOnly?: readonly DirEntry[];
}

/**
 * Decoded directory contents by storage index, one version each (DESIGN §2: a directory is a
 * mutable file; reading one means asking every node, checking signatures, downloading k shares,
 * decrypting and parsing, which an SFTP client asks for on every path it touches).
 *
 * Why it is correct:
 * - Our own writes: every change this process makes to a directory goes through `modifyEntries`,
 *   which stores the version it published, so the cache is never behind its own process.
 * - Other writers (another process on the same nodes): a read asks the servers again (a server
 *   map, no download when the version is unchanged) unless its caller accepts a listing up to
 *   `maxAgeMs` old. By default nobody does: Grid.listDirectory sees every change made anywhere
 *   before it was called. The SFTP session accepts a second (see SessionOptions), as an NFS or
 *   sshfs attribute cache would (sshfs itself caches for 20 s by default), so a client that walks
 *   a path does not map every directory on it, for every request, again.
 * - Writes never trust it: a change is applied to the version test-and-set finds on the shares,
 *   so a stale entry costs a retry, never an update (see `modifyMutable`).
 * - An older version never replaces a newer one (a slow read that finishes after our publish).
 * - Holders of a read cap get the entries without write caps, whoever filled the cache.
 */
export class DirectoryCache {
  private readonly entries = new Map<string, CachedDirectory>();
  private entryCount = 0;
  /** Reads under way, by storage index and kind, so concurrent readers share one. */
  readonly loads = new Map<string, Promise<CachedDirectory>>();
  readonly now: () => number;
  private readonly limit: number;
  private readonly entryLimit: number;

  constructor(options: DirectoryCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.limit = options.limit ?? 2048;
    this.entryLimit = options.entryLimit ?? 500_000;
  }

  get(si: string): CachedDirectory | undefined {
    const cached = this.entries.get(si);
    if (cached !== undefined) {
      this.entries.delete(si);
      this.entries.set(si, cached);
    }
    return cached;
  }

  /** Checked less than `maxAgeMs` ago: good enough to answer without asking the servers. */
  fresh(cached: CachedDirectory, maxAgeMs: number): boolean {
    return maxAgeMs > 0 && this.now() - cached.checkedAt < maxAgeMs;
  }

  /**
   * Keeps what a read or a publish found, unless the cache already has a newer version (or the
   * same one with more: write caps). `checkedAt` is when the finder started looking, so the
   * window never extends past what it actually saw.
   */
  store(
    si: string,
    version: MutableVersion,
    entries: readonly DirEntry[],
    withWriteCaps: boolean,
    checkedAt: number,
  ): void {
    const current = this.entries.get(si);
    if (current !== undefined) {
      const order = compareVersions(version, current.version);
      if (order < 0) return;
      if (order === 0) {
        current.checkedAt = Math.max(current.checkedAt, checkedAt);
        if (current.withWriteCaps || !withWriteCaps) return;
      }
      this.forget(si);
    }
    this.entries.set(si, { version, key: versionKey(version), entries, withWriteCaps, checkedAt });
    this.entryCount += entries.length;
    while (this.entries.size > this.limit || this.entryCount > this.entryLimit) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
  }

  /** The servers showed this version to be still the newest. */
  confirm(si: string, key: string, checkedAt: number): void {
    const current = this.entries.get(si);
    if (current !== undefined && current.key === key)
      current.checkedAt = Math.max(current.checkedAt, checkedAt);
  }

  forget(si: string): void {
    const current = this.entries.get(si);
    if (current === undefined) return;
    this.entryCount -= current.entries.length;
    this.entries.delete(si);
  }

  /** The entries as a holder of the given cap may see them. */
  static view(cached: CachedDirectory, withWriteCaps: boolean): readonly DirEntry[] {
    if (withWriteCaps || !cached.withWriteCaps) return cached.entries;
    cached.readOnly ??= cached.entries.map((e) =>
      e.writeCap === undefined ? e : { ...e, writeCap: undefined },
    );
    return cached.readOnly;
  }

  static child(cached: CachedDirectory, name: string, withWriteCaps: boolean): DirEntry | undefined {
    cached.byName ??= new Map(cached.entries.map((e) => [e.name, e]));
    const entry = cached.byName.get(name);
    if (entry === undefined || withWriteCaps || entry.writeCap === undefined) return entry;
    return { ...entry, writeCap: undefined };
  }
}
