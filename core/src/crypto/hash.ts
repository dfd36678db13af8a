import { createHash, type Hash } from 'node:crypto';
import { blake3, type Blake3 } from './blake3.js';

/**
 * Every hash in the grid is domain-separated by a tag, written as a netstring before the data, so
 * a block hash can never be confused with a tree node or a UEB hash, even with equal bytes.
 * The bulk bytes (BulkHashTag) are hashed with BLAKE3 (blake3.ts says why), the rest with SHA-256.
 */
export type HashTag =
  'segment' | 'tree-node' | 'tree-empty' | 'ueb' | 'pubkey-fingerprint' | 'mutable-version' | 'placement';

/** The hashes over bulk bytes: every block of every share, and the convergence chunks. */
export type BulkHashTag = 'block' | 'content-chunk';

const prefixes = new Map<HashTag | BulkHashTag, Buffer>();
function prefixOf(tag: HashTag | BulkHashTag): Buffer {
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

/** BLAKE3 of the tag and whatever is given to `update`. */
export function bulkHasher(tag: BulkHashTag): Blake3 {
  return blake3.create().update(prefixOf(tag));
}

export function bulkHash(tag: BulkHashTag, data: Uint8Array): Uint8Array {
  return blake3.hash([prefixOf(tag), data]);
}

/** SHA-256 of the tag and the parts concatenated (parts of fixed, known lengths only). */
export function taggedHash(tag: HashTag, ...parts: readonly Uint8Array[]): Uint8Array {
  const hasher = taggedHasher(tag);
  for (const part of parts) hasher.update(part);
  return new Uint8Array(hasher.digest());
}

export const HASH_LENGTH = 32;
