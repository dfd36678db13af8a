import {
  CapError,
  DirectoryError,
  isDirectoryCap,
  parseCap,
  type Cap,
  type DirEntry,
  type Grid,
} from '@grid-sftp/core';
import { UsageError } from './errors.js';

/** `CAP/name/name…`: a cap, then names to follow from it when it is a directory. */
export interface CapPath {
  readonly cap: Cap;
  readonly names: readonly string[];
}

/**
 * Splits CAP[/PATH]. Caps never contain "/" (base32 and "-"), so the first "/" ends the cap.
 * Empty names (doubled or trailing slashes) are ignored, as a shell user would expect.
 */
export function parseCapPath(text: string): CapPath {
  const [first = '', ...rest] = text.split('/');
  // Never echo the text back: it may be a valid write cap with a typo in its path.
  if (first === '') throw new CapError('not a cap (caps start with gs1-)');
  const cap = parseCap(first);
  if (cap.kind === 'unknown') throw new CapError('not a grid-sftp cap (caps start with gs1-)');
  return { cap, names: rest.filter((name) => name !== '') };
}

export interface Resolved {
  readonly cap: Cap;
  /** The directory entry the path ended at (absent for a bare cap). */
  readonly entry?: DirEntry;
}

/** Follows the path of a CAP/PATH argument to the cap at its end. */
export async function resolveCapPath(grid: Grid, text: string): Promise<Resolved> {
  const { cap, names } = parseCapPath(text);
  if (names.length === 0) return { cap };
  return grid.resolvePath(cap, names);
}

/** For commands that make something at CAP/PATH/NAME: the parent path and the new name. */
export function splitParent(text: string, what: string): { parent: CapPath; name: string } {
  const { cap, names } = parseCapPath(text);
  const name = names.at(-1);
  if (name === undefined)
    throw new UsageError(`give the ${what} after the directory cap: CAP/NAME or CAP/PATH/NAME`);
  return { parent: { cap, names: names.slice(0, -1) }, name };
}

/**
 * The directory that will receive a new entry, checked to be a writable directory before
 * anything is stored, so that a refusal costs no orphaned upload.
 */
export async function resolveParent(grid: Grid, parent: CapPath): Promise<Cap> {
  const dir = parent.names.length === 0 ? parent.cap : (await grid.resolvePath(parent.cap, parent.names)).cap;
  if (!isDirectoryCap(dir)) throw new DirectoryError('not-a-directory', 'not a directory');
  if (dir.kind !== 'mutable-write') throw new DirectoryError('not-writeable', 'directory is read-only');
  return dir;
}
