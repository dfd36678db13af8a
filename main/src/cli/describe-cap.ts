import {
  isDirectoryCap,
  parseCap,
  readCapOf,
  formatCap,
  type Cap,
  type DirEntry,
  type Grid,
} from '@grid-sftp/core';

export type EntryType = 'file' | 'directory' | 'unknown';

/** What a cap is, as far as the cap alone tells: its type, and its size when the cap carries it. */
export function capFacts(cap: Cap): { type: EntryType; kind: string; size?: number } {
  if (isDirectoryCap(cap))
    return { type: 'directory', kind: cap.kind === 'mutable-write' ? 'directory' : 'read-only directory' };
  switch (cap.kind) {
    case 'lit':
      return { type: 'file', kind: 'literal (held in the cap)', size: cap.data.length };
    case 'chk-read':
      return { type: 'file', kind: `immutable, ${cap.k}-of-${cap.n}`, size: cap.size };
    case 'chk-verify':
      return { type: 'file', kind: `immutable (verify cap), ${cap.k}-of-${cap.n}`, size: cap.size };
    case 'mutable-write':
      return { type: 'file', kind: 'mutable' };
    case 'mutable-read':
      return { type: 'file', kind: 'mutable, read-only' };
    case 'mutable-verify':
      return { type: 'file', kind: 'mutable (verify cap)' };
    case 'unknown':
      return { type: 'unknown', kind: 'unknown cap kind' };
  }
}

function entryFacts(entry: DirEntry): { type: EntryType; size?: number } {
  if (entry.isDirectory) return { type: 'directory' };
  const text = entry.writeCap ?? entry.readCap;
  if (text === undefined) return { type: 'unknown' };
  try {
    return capFacts(parseCap(text));
  } catch {
    return { type: 'unknown' };
  }
}

export interface ListedEntry {
  name: string;
  type: EntryType;
  size?: number;
  readCap: string | null;
  writeCap?: string;
  metadata: DirEntry['metadata'];
}

export function listedEntry(entry: DirEntry): ListedEntry {
  const { type, size } = entryFacts(entry);
  return {
    name: entry.name,
    type,
    ...(size === undefined ? {} : { size }),
    readCap: entry.readCap ?? null,
    ...(entry.writeCap === undefined ? {} : { writeCap: entry.writeCap }),
    metadata: entry.metadata,
  };
}

export interface DescribedFile {
  name?: string;
  type: EntryType;
  kind: string;
  size?: number;
  readCap: string | null;
  writeCap?: string;
  metadata?: DirEntry['metadata'];
}

/** A file cap described for `ls`: a mutable file is opened to learn its size, which its cap lacks. */
export async function describeFile(
  grid: Grid,
  cap: Cap,
  entry: DirEntry | undefined,
): Promise<DescribedFile> {
  const facts = capFacts(cap);
  let size = facts.size;
  if (size === undefined && (cap.kind === 'mutable-write' || cap.kind === 'mutable-read'))
    size = (await grid.openFile(cap)).size;
  const read = readCapOf(cap);
  return {
    ...(entry === undefined ? {} : { name: entry.name }),
    type: facts.type,
    kind: facts.kind,
    ...(size === undefined ? {} : { size }),
    readCap: read === undefined ? null : formatCap(read),
    ...(cap.kind === 'mutable-write' ? { writeCap: formatCap(cap) } : {}),
    ...(entry === undefined ? {} : { metadata: entry.metadata }),
  };
}
