import { taggedHash } from '../crypto/hash.js';

const EMPTY_LEAF = taggedHash('tree-empty');

/**
 * Root of a binary Merkle tree over `leaves`, padded to a power of two with a tagged empty hash.
 * Shares store only the leaves: a reader rebuilds the root (cheap: 32 bytes per 1 MiB segment)
 * and compares it with the value it trusts, which checks every leaf at once.
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_LEAF;
  let level: Uint8Array[] = [...leaves];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(taggedHash('tree-node', level[i] ?? EMPTY_LEAF, level[i + 1] ?? EMPTY_LEAF));
    }
    level = next;
  }
  return level[0] ?? EMPTY_LEAF;
}

/** Splits a concatenation of 32-byte hashes into leaves (no copy). */
export function splitHashes(bytes: Uint8Array, count: number): Uint8Array[] {
  if (bytes.length < count * 32) throw new RangeError('hash list too short');
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * 32, i * 32 + 32));
}
