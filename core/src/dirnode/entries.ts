/** Directory entries, their metadata, and the rules for names (DESIGN §2). */

export interface EntryMetadata {
  /** Seconds since the epoch, as SFTP carries them. */
  readonly mtime?: number;
  readonly ctime?: number;
  /** When the link was created and last changed (kept across overwrites, as Tahoe does). */
  readonly linkcrtime?: number;
  readonly linkmotime?: number;
  readonly 'no-write'?: boolean;
  /** Extension keys (`ext_*`) are kept and passed through untouched. */
  readonly [ext: `ext_${string}`]: unknown;
}

export interface DirEntry {
  /** NFC-normalised name. */
  readonly name: string;
  /** The child's read cap (a string so that unknown kinds pass through untouched). */
  readonly readCap: string | undefined;
  /** The child's write cap, present only to holders of the directory's write cap. */
  readonly writeCap: string | undefined;
  readonly metadata: EntryMetadata;
  /** Whether the child is a directory (from its cap kind). */
  readonly isDirectory: boolean;
}

/** overwrite: replace anything; no-overwrite: fail if the name exists; only-files: replace a file, never a directory. */
export type AddMode = 'overwrite' | 'no-overwrite' | 'only-files';

export interface DeleteConstraint {
  readonly mustExist?: boolean;
  readonly mustBe?: 'directory' | 'file';
}

export type DirectoryErrorCode =
  'no-such-child' | 'exists' | 'not-a-directory' | 'is-a-directory' | 'not-writeable' | 'bad-name';

export class DirectoryError extends Error {
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

/** Normalises a child name to NFC, refusing what no directory may hold. */
export function normalizeName(name: string): string {
  const normalized = name.normalize('NFC');
  if (normalized.length === 0 || normalized === '.' || normalized === '..' || /[/\0]/.test(normalized)) {
    throw new DirectoryError('bad-name', `"${name}" is not a valid name`);
  }
  if (/[\ud800-\udfff]/u.test(normalized) && !isWellFormed(normalized))
    throw new DirectoryError('bad-name', 'name is not valid Unicode');
  return normalized;
}

function isWellFormed(text: string): boolean {
  return Buffer.from(text, 'utf8').toString('utf8') === text;
}

const KNOWN_KEYS = new Set(['mtime', 'ctime', 'linkcrtime', 'linkmotime', 'no-write']);

/** Keeps the known keys with the right types and every `ext_*` key; drops anything else. */
export function cleanMetadata(input: Readonly<Record<string, unknown>>): EntryMetadata {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith('ext_')) out[key] = value;
    else if (KNOWN_KEYS.has(key)) {
      if (
        key === 'no-write' ? typeof value === 'boolean' : typeof value === 'number' && Number.isFinite(value)
      )
        out[key] = value;
    }
  }
  return out;
}
