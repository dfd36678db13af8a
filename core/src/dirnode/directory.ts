import { CapError, isDirectoryCap, type Cap, type MutableWriteCap } from '../caps/cap.js';
import { readCapOf } from '../caps/derive.js';
import { formatCap, parseCap } from '../caps/text.js';
import { bytesSource } from '../util/byte-source.js';
import type { GridContext } from '../grid/context.js';
import { createMutable, modifyMutable, readMutableContent } from '../mutable/mutable-file.js';
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

export async function listDirectory(ctx: GridContext, cap: Cap): Promise<DirEntry[]> {
  const dir = asDirectory(cap);
  const content = await readMutableContent(ctx, dir);
  return decodeDirectory(content, dir.kind === 'mutable-write' ? sealKeyOf(dir.seed) : undefined);
}

/**
 * Runs `change` on the entries of the newest version. The change may run several times (once
 * per lost race), so it records its result in a variable that the last run overwrites.
 */
async function modifyEntries<T>(
  ctx: GridContext,
  cap: Cap,
  change: (entries: Map<string, DirEntry>) => { result: T; changed: boolean },
): Promise<T> {
  const dir = writable(cap);
  const key = sealKeyOf(dir.seed);
  let result: { value: T } | undefined;
  await modifyMutable(ctx, dir, (current) => {
    const entries = new Map(decodeDirectory(current ?? new Uint8Array(0), key).map((e) => [e.name, e]));
    const outcome = change(entries);
    result = { value: outcome.result };
    return outcome.changed ? encodeDirectory([...entries.values()], key) : undefined;
  });
  if (result === undefined) throw new Error('directory modifier never ran');
  return result.value;
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
  options: { mode?: AddMode; metadata?: EntryMetadata },
): Promise<DirEntry> {
  const name = normalizeName(rawName);
  const { readCap, writeCap } = capTexts(child);
  const mode = options.mode ?? 'overwrite';
  return modifyEntries(ctx, dir, (entries) => {
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
  });
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
): Promise<DirEntry> {
  const name = normalizeName(rawName);
  return modifyEntries(ctx, dir, (entries) => {
    const existing = entries.get(name);
    if (existing === undefined) throw new DirectoryError('no-such-child', `no "${name}" here`);
    const entry = makeEntry(name, existing.readCap, existing.writeCap, { ...existing.metadata, ...metadata });
    entries.set(name, entry);
    return { result: entry, changed: true };
  });
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
  const source = (await listDirectory(ctx, fromDir)).find((e) => e.name === fromName);
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
): Promise<{ cap: Cap; entry?: DirEntry }> {
  let cap = root;
  let entry: DirEntry | undefined;
  for (const raw of names) {
    const name = normalizeName(raw);
    const found = (await listDirectory(ctx, cap)).find((e) => e.name === name);
    if (found === undefined) throw new DirectoryError('no-such-child', `no "${name}" here`);
    entry = found;
    cap = entryCap(found);
  }
  return entry === undefined ? { cap } : { cap, entry };
}
