import { isDirectoryCap, type Cap } from '../caps/cap.js';
import { parseCap } from '../caps/text.js';
import type { DirEntry } from '../dirnode/entries.js';
import { entryCap, type Freshness } from '../dirnode/directory.js';
import type { Grid } from '../grid/grid.js';
import { formatPath, parsePath, type ParsedPath } from '../vfs/paths.js';
import { SftpError, SftpStatus } from '../vfs/sftp-status.js';

/** A client path resolved as far as the grid allows without reading the child itself. */
export interface Located {
  readonly userpath: string;
  readonly parsed: ParsedPath;
  /** The directory holding the child; undefined for a path that names a root (`/`, `/uri/<cap>`). */
  readonly parent: Cap | undefined;
  readonly childName: string | undefined;
  /** The root itself, when the path names one. */
  readonly node: Cap | undefined;
}

export function userpathOf(path: string | Uint8Array): { parsed: ParsedPath; userpath: string } {
  const parsed = parsePath(path);
  return { parsed, userpath: formatPath(parsed) };
}

function rootOf(home: Cap, parsed: ParsedPath): Cap {
  return parsed.root === 'home' ? home : parseCap(parsed.root.cap);
}

/** Finds the parent directory of a path (which must exist and be a directory). */
export async function locate(
  grid: Grid,
  home: Cap,
  path: string | Uint8Array,
  freshness: Freshness = {},
): Promise<Located> {
  const { parsed, userpath } = userpathOf(path);
  const root = rootOf(home, parsed);
  if (parsed.names.length === 0)
    return { userpath, parsed, parent: undefined, childName: undefined, node: root };
  const parentNames = parsed.names.slice(0, -1);
  const parent = parentNames.length === 0 ? root : (await grid.resolvePath(root, parentNames, freshness)).cap;
  if (!isDirectoryCap(parent))
    throw new SftpError(SftpStatus.NO_SUCH_FILE, 'a path component is not a directory');
  return { userpath, parsed, parent, childName: parsed.names.at(-1), node: undefined };
}

/** The entry of a child, or undefined when the directory has none by that name. */
export async function childEntry(
  grid: Grid,
  parent: Cap,
  name: string,
  freshness: Freshness = {},
): Promise<DirEntry | undefined> {
  return grid.getChild(parent, name.normalize('NFC'), freshness);
}

export function capOfEntry(entry: DirEntry): Cap {
  return entryCap(entry);
}

/** Whether a directory cap lets us change the directory. */
export function writableDirectory(cap: Cap): boolean {
  return cap.kind === 'mutable-write' && isDirectoryCap(cap);
}
