import { CapError } from '../caps/cap.js';
import { parseCap } from '../caps/text.js';
import { SftpError, SftpStatus } from './sftp-status.js';

/**
 * Client paths (DESIGN §4). The account's root directory is `/`, and it is also the home directory,
 * so relative paths resolve against it; `..` never climbs above it. `/uri/<cap>/…` addresses any
 * cap the user holds, and `..` never climbs above that cap either, so a path cannot be used to
 * reach anything but what its root grants.
 */
export interface ParsedPath {
  readonly root: 'home' | { readonly cap: string };
  /** NFC-normalised names below the root; empty for the root itself. */
  readonly names: readonly string[];
}

// fatal: invalid UTF-8 must be refused, never replaced; ignoreBOM: a leading U+FEFF is a name character.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parsePath(path: Uint8Array | string): ParsedPath {
  // In a u-mode class a surrogate range matches only unpaired surrogates: text no UTF-8 can carry.
  if (typeof path === 'string' && /[\ud800-\udfff]/u.test(path))
    throw noSuchFile('path is not valid Unicode');
  const text = typeof path === 'string' ? path : decodeUtf8(path);
  // No name may hold NUL (entries.ts refuses it), so such a path names nothing.
  if (text.includes('\0')) throw noSuchFile('path contains a NUL character');

  const stack: string[] = [];
  // Once `uri/<cap>` is on the stack it is the root: '..' stops there.
  let floor = 0;
  for (const raw of text.split('/')) {
    if (raw === '' || raw === '.') continue;
    if (raw === '..') {
      if (stack.length > floor) stack.pop();
      continue;
    }
    stack.push(raw.normalize('NFC'));
    if (floor === 0 && stack.length === 2 && stack[0] === 'uri') {
      checkCap(stack[1] ?? '');
      floor = 2;
    }
  }
  if (floor === 2) return { root: { cap: stack[1] ?? '' }, names: stack.slice(2) };
  // `/uri` alone is neither a cap nor (since `/uri/x` is always a cap) a reachable child.
  if (stack.length === 1 && stack[0] === 'uri') throw noSuchFile('no cap after /uri');
  return { root: 'home', names: stack };
}

/** The canonical absolute path, as REALPATH answers it. */
export function formatPath(path: ParsedPath): string {
  const prefix = path.root === 'home' ? [] : ['uri', path.root.cap];
  return '/' + [...prefix, ...path.names].join('/');
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw noSuchFile('path could not be decoded as UTF-8');
  }
}

function checkCap(text: string): void {
  try {
    parseCap(text);
  } catch (error) {
    // The message names no cap: the client sent it, but its text may end up in a log.
    if (error instanceof CapError) throw noSuchFile('not a valid cap');
    throw error;
  }
}

function noSuchFile(message: string): SftpError {
  return new SftpError(SftpStatus.NO_SUCH_FILE, message);
}
