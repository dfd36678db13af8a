import { createHash, type Hash } from 'node:crypto';

/**
 * Every hash in the grid is domain-separated by a tag, written as a netstring before the data, so
 * a block hash can never be confused with a tree node or a UEB hash, even with equal bytes.
 */
export type HashTag =
  | 'block'
  | 'segment'
  | 'tree-node'
  | 'tree-empty'
  | 'ueb'
  | 'pubkey-fingerprint'
  | 'mutable-version'
  | 'content-chunk'
  | 'placement';

const prefixes = new Map<HashTag, Buffer>();
function prefixOf(tag: HashTag): Buffer {
  let prefix = prefixes.get(tag);
  if (prefix === undefined) {
    const text = `gs1:${tag}`;
    prefix = Buffer.from(`${Buffer.byteLength(text)}:${text},`);
    prefixes.set(tag, prefix);
  }
  return prefix;
}

export function taggedHasher(tag: HashTag): Hash {
  return createHash('sha256').update(prefixOf(tag));
}

/** SHA-256 of the tag and the parts concatenated (parts of fixed, known lengths only). */
export function taggedHash(tag: HashTag, ...parts: readonly Uint8Array[]): Uint8Array {
  const hasher = taggedHasher(tag);
  for (const part of parts) hasher.update(part);
  return new Uint8Array(hasher.digest());
}

export const HASH_LENGTH = 32;
