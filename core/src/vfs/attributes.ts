import { CapError, isDirectoryCap, type Cap } from '../caps/cap.js';
import { parseCap } from '../caps/text.js';
import type { DirEntry, EntryMetadata } from '../dirnode/entries.js';

/**
 * Synthesized SFTP attributes (DESIGN §4, Tahoe's _populate_attrs and _no_write). The grid has no
 * owners or modes: permissions say what the caps allow, because clients (sshfs as non-root, file
 * managers) decide from them whether to even try. Execute bits are never set: nothing here runs.
 */
export interface SftpAttrs {
  readonly size?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly permissions?: number;
  readonly atime?: number;
  readonly mtime?: number;
}

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
const S_IFMT = 0o170000;
const WRITE_BITS = 0o222;

export interface AttributeOptions {
  /**
   * Whether the object sits in a directory we may write. False for a read-only parent and for an
   * object with no parent at all (a `/uri/<cap>` root): an immutable file can then not be replaced.
   */
  readonly parentWritable: boolean;
  readonly metadata?: EntryMetadata;
  /** The current size when the caller knows it (mutable files, open handles); overrides the cap's. */
  readonly size?: number;
}

/**
 * Attributes of the object a cap names. `undefined` stands for a file being written that has no cap
 * yet (a heisenfile): it looks like an ordinary file. A cap string that does not parse is treated as
 * an unknown kind, as a directory would keep it.
 */
export function attributesOf(cap: Cap | string | undefined, options: AttributeOptions): SftpAttrs {
  const parsed = typeof cap === 'string' ? parseOrUnknown(cap) : cap;
  const attrs: { -readonly [K in keyof SftpAttrs]: SftpAttrs[K] } = { uid: 0, gid: 0 };
  const time = pickTime(options.metadata);
  if (time !== undefined) attrs.mtime = attrs.atime = toSftpTime(time);

  // Tahoe gives unknown objects no mode at all: they can be neither opened nor listed.
  if (parsed?.kind === 'unknown') return { ...attrs, permissions: 0 };
  const directory = parsed !== undefined && isDirectoryCap(parsed);
  const size = options.size ?? (directory ? undefined : capSize(parsed));
  if (size !== undefined) attrs.size = size;

  const type = directory ? S_IFDIR : S_IFREG;
  // A verify cap grants neither reading nor writing: keep the type, drop every permission bit.
  if (parsed?.kind === 'chk-verify' || parsed?.kind === 'mutable-verify')
    return { ...attrs, permissions: type };
  const mode = directory ? 0o777 : 0o666;
  return { ...attrs, permissions: type | (isReadOnly(parsed, options) ? mode & ~WRITE_BITS : mode) };
}

/** Attributes of a directory entry: the write cap when we hold it, else the read cap. */
export function attributesOfEntry(entry: DirEntry, options: Omit<AttributeOptions, 'metadata'>): SftpAttrs {
  return attributesOf(entry.writeCap ?? entry.readCap ?? '', { ...options, metadata: entry.metadata });
}

function isReadOnly(cap: Cap | undefined, options: AttributeOptions): boolean {
  if (options.metadata?.['no-write'] === true) return true;
  // A mutable write cap writes in place whatever the parent; anything else is written by
  // replacing the link, which needs a writable parent (and a read cap cannot write at all).
  if (cap?.kind === 'mutable-write') return false;
  if (cap?.kind === 'mutable-read') return true;
  return !options.parentWritable;
}

function capSize(cap: Cap | undefined): number {
  switch (cap?.kind) {
    case 'lit':
      return cap.data.length;
    case 'chk-read':
    case 'chk-verify':
      return cap.size;
    default:
      // A mutable file's size is in its current version, which only the caller can fetch; a
      // heisenfile without a given size is empty so far.
      return 0;
  }
}

function parseOrUnknown(text: string): Cap {
  try {
    return parseCap(text);
  } catch (error) {
    if (error instanceof CapError) return { kind: 'unknown', text };
    throw error;
  }
}

/** mtime, falling back as Tahoe does to when the link last changed, then to ctime. */
function pickTime(metadata: EntryMetadata | undefined): number | undefined {
  return metadata?.mtime ?? metadata?.linkmotime ?? metadata?.ctime;
}

/** SFTP v3 times are unsigned 32-bit seconds; Tahoe truncates and wraps the same way. */
export function toSftpTime(seconds: number): number {
  return Number.isFinite(seconds) ? Math.trunc(seconds) >>> 0 : 0;
}

export interface MetadataUpdate {
  mtime?: number;
  'no-write'?: boolean;
}

/**
 * What SETSTAT may change (Tahoe's _attrs_to_metadata): the modification time, and `no-write`
 * through the owner's write bit, so `chmod a-w` protects a link and `chmod u+w` lifts it. atime is
 * not stored (it is always shown as mtime); size, owner and other mode bits are not ours to change.
 */
export function metadataFromAttrs(attrs: SftpAttrs): MetadataUpdate {
  const update: MetadataUpdate = {};
  if (attrs.mtime !== undefined) update.mtime = attrs.mtime;
  if (attrs.permissions !== undefined) update['no-write'] = (attrs.permissions & 0o200) === 0;
  return update;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = 24 * 60 * 60;
const SIX_MONTHS = 26 * 7 * DAY;

/**
 * The `ls -l` line of a READDIR name entry, in Tahoe's _lsLine layout, which clients such as
 * WinSCP and Nautilus parse: mode, links, owner, group, size, date, name. Dates are UTC, since the
 * server's local zone means nothing to a remote client. `now` is in seconds since the epoch.
 */
export function longname(name: string, attrs: SftpAttrs, now: number = Date.now() / 1000): string {
  const mode = attrs.permissions ?? 0;
  const mtime = attrs.mtime ?? 0;
  const when = new Date(mtime * 1000);
  const day = `${MONTHS[when.getUTCMonth()] ?? '???'} ${pad2(when.getUTCDate())}`;
  // Old or future dates show the year, as ls does; the two spaces keep the column width.
  const stamp =
    mtime + SIX_MONTHS < now || mtime > now + DAY
      ? `${day}  ${when.getUTCFullYear()}`
      : `${day} ${pad2(when.getUTCHours())}:${pad2(when.getUTCMinutes())}`;
  return [
    modeString(mode),
    '1'.padStart(5),
    ' ',
    String(attrs.uid ?? 0).padEnd(9),
    String(attrs.gid ?? 0).padEnd(9),
    String(attrs.size ?? 0).padStart(8),
    ' ',
    stamp,
    ' ',
    safeName(name),
  ].join('');
}

function modeString(mode: number): string {
  const type = mode & S_IFMT;
  let out = type === S_IFDIR ? 'd' : type === S_IFREG ? '-' : '?';
  for (const shift of [6, 3, 0]) {
    out += mode & (0o4 << shift) ? 'r' : '-';
    out += mode & (0o2 << shift) ? 'w' : '-';
    out += mode & (0o1 << shift) ? 'x' : '-';
  }
  return out;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Control characters (a newline above all) would break line-oriented parsers and terminals. */
function safeName(name: string): string {
  return name.replace(/[\p{Cc}\u2028\u2029]/gu, '?');
}
