import { CapError, isDirectoryCap, type Cap, type MutableWriteCap } from '../caps/cap.js';
import { formatCap, parseCap } from '../caps/text.js';
import { bytesSource } from '../util/byte-source.js';
import type { GridContext } from '../grid/context.js';
import { readCapOf } from '../caps/derive.js';
import { mutableSiText } from '../mutable/keys.js';
import { createMutable, modifyMutable, readMutableLatest } from '../mutable/mutable-file.js';
import { versionKey, type MutableVersion } from '../mutable/share-format.js';
import type { PendingChange } from './change-queue.js';
import { DirectoryCache, type CachedDirectory } from './dir-cache.js';
import {
  DirectoryError,
  normalizeName,
  type AddMode,
  type DeleteConstraint,
  type DirEntry,
  type EntryMetadata,
} from './entries.js';
import { decodeDirectory, encodeDirectory, makeEntry, sealKeyOf } from './format.js';

/** Directory operations: each change is a pure modifier applied to the newest version with retry. */

function nowSeconds(): number {
  return Date.now() / 1000;
}

function asDirectory(cap: Cap): Cap & { kind: 'mutable-write' | 'mutable-read' } {
  if ((cap.kind === 'mutable-write' || cap.kind === 'mutable-read') && isDirectoryCap(cap)) return cap;
  throw new DirectoryError('not-a-directory', 'not a directory');
}

function writable(cap: Cap): MutableWriteCap {
  const dir = asDirectory(cap);
  if (dir.kind !== 'mutable-write') throw new DirectoryError('not-writeable', 'directory is read-only');
  return dir;
}

export async function createDirectory(
  ctx: GridContext,
  entries: readonly DirEntry[],
): Promise<MutableWriteCap> {
  // The seal key comes from the new cap's seed, so the contents are written as the first modification.
  const cap = await createMutable(ctx, 'dir', bytesSource(new Uint8Array(0)));
  if (entries.length > 0) {
    const key = sealKeyOf(cap.seed);
    await modifyMutable(ctx, cap, () => encodeDirectory(entries, key));
  }
  return cap;
}

/** A directory's storage index (what every cap of it shares): the key of its cache and its queue. */
function siOf(dir: Cap): string {
  if (dir.kind !== 'mutable-write' && dir.kind !== 'mutable-read')
    throw new DirectoryError('not-a-directory', 'not a directory');
  return mutableSiText(dir);
}

/**
 * How old a cached listing a reader accepts. 0 (the default): none, the servers are asked (and
 * the cached contents reused when the version is unchanged), so every change made anywhere before
 * the call is seen.
 */
export interface Freshness {
  readonly maxAgeMs?: number;
}

export async function listDirectory(
  ctx: GridContext,
  cap: Cap,
  freshness: Freshness = {},
): Promise<DirEntry[]> {
  const dir = asDirectory(cap);
  return [...DirectoryCache.view(await currentListing(ctx, dir, freshness), dir.kind === 'mutable-write')];
}

/** One child of a directory, or undefined when it has none by that (NFC-normalised) name. */
export async function childOf(
  ctx: GridContext,
  cap: Cap,
  rawName: string,
  freshness: Freshness = {},
): Promise<DirEntry | undefined> {
  const dir = asDirectory(cap);
  const name = normalizeName(rawName);
  return DirectoryCache.child(await currentListing(ctx, dir, freshness), name, dir.kind === 'mutable-write');
}

/** The directory as cached when fresh enough; otherwise asks the servers (one read at a time). */
async function currentListing(
  ctx: GridContext,
  dir: Cap & { kind: 'mutable-write' | 'mutable-read' },
  freshness: Freshness,
): Promise<CachedDirectory> {
  const cache = ctx.directories;
  const si = siOf(dir);
  const withWriteCaps = dir.kind === 'mutable-write';
  const cached = cache.get(si);
  const usable = cached !== undefined && (cached.withWriteCaps || !withWriteCaps) ? cached : undefined;
  const maxAgeMs = freshness.maxAgeMs ?? 0;
  if (usable !== undefined && cache.fresh(usable, maxAgeMs)) return usable;
  // A read already under way may have asked the servers before a change this caller must see:
  // only a caller that accepts some age shares it.
  if (maxAgeMs <= 0) return loadListing(ctx, dir, si, usable);
  const flightKey = `${si}:${withWriteCaps ? 'rw' : 'ro'}`;
  let flight = cache.loads.get(flightKey);
  if (flight === undefined) {
    flight = loadListing(ctx, dir, si, usable).finally(() => cache.loads.delete(flightKey));
    cache.loads.set(flightKey, flight);
  }
  return flight;
}

async function loadListing(
  ctx: GridContext,
  dir: Cap & { kind: 'mutable-write' | 'mutable-read' },
  si: string,
  known: CachedDirectory | undefined,
): Promise<CachedDirectory> {
  const cache = ctx.directories;
  // The window starts when we asked, not when the answer came: it never outlives what we saw.
  const asked = cache.now();
  const { version, content } = await readMutableLatest(ctx, dir, known?.key);
  if (content === undefined && known !== undefined) {
    cache.confirm(si, known.key, asked);
    return known;
  }
  const withWriteCaps = dir.kind === 'mutable-write';
  const entries = decodeDirectory(
    content ?? new Uint8Array(0),
    withWriteCaps ? sealKeyOf(dir.seed) : undefined,
  );
  cache.store(si, version, entries, withWriteCaps, asked);
  // A publish of ours may have landed while we read: then the cache holds something newer.
  const now = cache.get(si);
  if (now !== undefined && (now.withWriteCaps || !withWriteCaps)) return now;
  return { version, key: versionKey(version), entries, withWriteCaps, checkedAt: asked };
}

/**
 * Runs `change` on the entries of the newest version (see ChangeQueues: changes of one directory
 * that meet in time are published together). The change may run several times, once per lost
 * race; the caller gets the result of the run that was published.
 */
async function modifyEntries<T>(
  ctx: GridContext,
  cap: Cap,
  change: (entries: Map<string, DirEntry>) => { result: T; changed: boolean },
  urgent = true,
): Promise<T> {
  const dir = writable(cap);
  const si = siOf(dir);
  return (await ctx.directoryChanges.submit(si, change, urgent, (batch) =>
    publishBatch(ctx, dir, si, batch),
  )) as T;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function publishBatch(
  ctx: GridContext,
  dir: MutableWriteCap,
  si: string,
  batch: readonly PendingChange[],
): Promise<void> {
  const cache = ctx.directories;
  const key = sealKeyOf(dir.seed);
  const asked = cache.now();
  let outcomes: Outcome[] = [];
  let final: DirEntry[] = [];
  try {
    const version = await modifyMutable(ctx, dir, (current, at) => {
      const entries = new Map(entriesAt(ctx, si, current, at, key).map((e) => [e.name, e]));
      let changed = false;
      outcomes = batch.map((item): Outcome => {
        try {
          const outcome = item.change(entries);
          changed ||= outcome.changed;
          return { ok: true, value: outcome.result };
        } catch (error) {
          return { ok: false, error };
        }
      });
      final = [...entries.values()].sort(byName);
      return changed ? encodeDirectory(final, key) : undefined;
    });
    // Our own publish is the newest version there is (test-and-set said so): no re-read needed.
    if (version !== undefined) cache.store(si, version, final, true, asked);
  } catch (error) {
    // A publish that failed half-way left the directory in a state we have not seen.
    cache.forget(si);
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      item.reject(outcome !== undefined && !outcome.ok ? outcome.error : error);
    });
    return;
  }
  batch.forEach((item, i) => {
    const outcome = outcomes[i];
    if (outcome === undefined) item.reject(new Error('directory modifier never ran'));
    else if (outcome.ok) item.resolve(outcome.value);
    else item.reject(outcome.error);
  });
}

/** The decoded entries of `current`, from the cache when it holds that very version. */
function entriesAt(
  ctx: GridContext,
  si: string,
  current: Uint8Array | undefined,
  version: MutableVersion | undefined,
  key: Uint8Array,
): readonly DirEntry[] {
  if (version !== undefined) {
    const cached = ctx.directories.get(si);
    if (cached !== undefined && cached.withWriteCaps && cached.key === versionKey(version))
      return cached.entries;
  }
  return decodeDirectory(current ?? new Uint8Array(0), key);
}

function byName(a: DirEntry, b: DirEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function capTexts(child: Cap): { readCap: string | undefined; writeCap: string | undefined } {
  if (child.kind === 'unknown') return { readCap: child.text, writeCap: undefined };
  const read = readCapOf(child);
  return {
    readCap: read === undefined ? undefined : formatCap(read),
    writeCap: child.kind === 'mutable-write' ? formatCap(child) : undefined,
  };
}

export async function addChild(
  ctx: GridContext,
  dir: Cap,
  rawName: string,
  child: Cap,
  options: { mode?: AddMode; metadata?: EntryMetadata; coalesce?: boolean },
): Promise<DirEntry> {
  const name = normalizeName(rawName);
  const { readCap, writeCap } = capTexts(child);
  const mode = options.mode ?? 'overwrite';
  return modifyEntries(
    ctx,
    dir,
    (entries) => {
      const existing = entries.get(name);
      if (existing !== undefined) {
        if (mode === 'no-overwrite') throw new DirectoryError('exists', `"${name}" already exists`);
        if (mode === 'only-files' && existing.isDirectory)
          throw new DirectoryError('is-a-directory', `"${name}" is a directory`);
      }
      const now = nowSeconds();
      const metadata: EntryMetadata = {
        ...(existing?.metadata ?? {}),
        ctime: now,
        mtime: now,
        ...(options.metadata ?? {}),
        linkcrtime: existing?.metadata.linkcrtime ?? now,
        linkmotime: now,
      };
      const entry = makeEntry(name, readCap, writeCap, metadata);
      entries.set(name, entry);
      return { result: entry, changed: true };
    },
    options.coalesce !== true,
  );
}

export async function deleteChild(
  ctx: GridContext,
  dir: Cap,
  rawName: string,
  constraint: DeleteConstraint,
): Promise<DirEntry | undefined> {
  const name = normalizeName(rawName);
  return modifyEntries(ctx, dir, (entries) => {
    const existing = entries.get(name);
    if (existing === undefined) {
      if (constraint.mustExist === true) throw new DirectoryError('no-such-child', `no "${name}" here`);
      return { result: undefined, changed: false };
    }
    if (constraint.mustBe === 'directory' && !existing.isDirectory)
      throw new DirectoryError('not-a-directory', `"${name}" is not a directory`);
    if (constraint.mustBe === 'file' && existing.isDirectory)
      throw new DirectoryError('is-a-directory', `"${name}" is a directory`);
    entries.delete(name);
    return { result: existing, changed: true };
  });
}

export async function setChildMetadata(
  ctx: GridContext,
  dir: Cap,
  rawName: string,
  metadata: EntryMetadata,
  options: { coalesce?: boolean } = {},
): Promise<DirEntry> {
  const name = normalizeName(rawName);
  return modifyEntries(
    ctx,
    dir,
    (entries) => {
      const existing = entries.get(name);
      if (existing === undefined) throw new DirectoryError('no-such-child', `no "${name}" here`);
      const entry = makeEntry(name, existing.readCap, existing.writeCap, {
        ...existing.metadata,
        ...metadata,
      });
      entries.set(name, entry);
      return { result: entry, changed: true };
    },
    options.coalesce !== true,
  );
}

/**
 * Moves a child. Within one directory it is one modification. Across two, the child is linked
 * at the destination first and unlinked from the source after, so a crash in between leaves it
 * in both places, never in neither.
 */
export async function moveChild(
  ctx: GridContext,
  from: Cap,
  rawFrom: string,
  to: Cap,
  rawTo: string,
  options: { mode?: AddMode },
): Promise<DirEntry> {
  const fromName = normalizeName(rawFrom);
  const toName = normalizeName(rawTo);
  const mode = options.mode ?? 'overwrite';
  const fromDir = writable(from);
  const toDir = writable(to);
  if (formatCap(fromDir) === formatCap(toDir)) {
    return modifyEntries(ctx, fromDir, (entries) => {
      const moving = entries.get(fromName);
      if (moving === undefined) throw new DirectoryError('no-such-child', `no "${fromName}" here`);
      if (fromName === toName) return { result: moving, changed: false };
      checkTarget(entries.get(toName), toName, mode);
      const entry = makeEntry(toName, moving.readCap, moving.writeCap, {
        ...moving.metadata,
        linkmotime: nowSeconds(),
      });
      entries.delete(fromName);
      entries.set(toName, entry);
      return { result: entry, changed: true };
    });
  }
  const source = await childOf(ctx, fromDir, fromName);
  if (source === undefined) throw new DirectoryError('no-such-child', `no "${fromName}" here`);
  const moved = await modifyEntries(ctx, toDir, (entries) => {
    checkTarget(entries.get(toName), toName, mode);
    const entry = makeEntry(toName, source.readCap, source.writeCap, {
      ...source.metadata,
      linkmotime: nowSeconds(),
    });
    entries.set(toName, entry);
    return { result: entry, changed: true };
  });
  await modifyEntries(ctx, fromDir, (entries) => {
    const still = entries.get(fromName);
    // Only unlink the very child we moved: someone may have replaced it meanwhile.
    if (still === undefined || still.readCap !== source.readCap) return { result: undefined, changed: false };
    entries.delete(fromName);
    return { result: undefined, changed: true };
  });
  return moved;
}

function checkTarget(existing: DirEntry | undefined, name: string, mode: AddMode): void {
  if (existing === undefined) return;
  if (mode === 'no-overwrite') throw new DirectoryError('exists', `"${name}" already exists`);
  if (mode === 'only-files' && existing.isDirectory)
    throw new DirectoryError('is-a-directory', `"${name}" is a directory`);
}

/** The cap of an entry, as strong as the holder may have it (write cap when unsealed). */
export function entryCap(entry: DirEntry): Cap {
  const text = entry.writeCap ?? entry.readCap;
  if (text === undefined) throw new CapError(`"${entry.name}" has no cap`);
  return parseCap(text);
}

export async function resolvePath(
  ctx: GridContext,
  root: Cap,
  names: readonly string[],
  freshness: Freshness = {},
): Promise<{ cap: Cap; entry?: DirEntry }> {
  let cap = root;
  let entry: DirEntry | undefined;
  for (const raw of names) {
    const name = normalizeName(raw);
    const found = await childOf(ctx, cap, name, freshness);
    if (found === undefined) throw new DirectoryError('no-such-child', `no "${name}" here`);
    entry = found;
    cap = entryCap(found);
  }
  return entry === undefined ? { cap } : { cap, entry };
}
