import type { GridEncoding } from '@grid-sftp/core';
import { HomeError } from './errors.js';

export const DEFAULT_NODE_COUNT = 5;
/** Reed-Solomon over GF(2^8) makes at most 256 shares. */
export const MAX_SHARES = 256;
/** More local nodes than this in one home is almost certainly a typo. */
export const MAX_INIT_NODES = 256;

export interface EncodingChoice {
  readonly k?: number | undefined;
  readonly happy?: number | undefined;
  readonly n?: number | undefined;
}

/**
 * Fills in what the user left out: n = min(nodes, 10), k ≈ 60 % of n, happy = k + 1 (capped by n
 * and by the nodes). 5 nodes give 3-of-5 with happy 4: any two nodes may die, and an upload still
 * succeeds with one node down.
 */
export function chooseEncoding(nodeCount: number, choice: EncodingChoice = {}): GridEncoding {
  const n = choice.n ?? Math.min(nodeCount, 10);
  const k = choice.k ?? Math.max(1, Math.round(n * 0.6));
  const happy = choice.happy ?? Math.max(k, Math.min(n, k + 1, nodeCount));
  const encoding = { k, happy, n };
  validateEncoding(encoding, nodeCount);
  return encoding;
}

/**
 * Checks k ≤ happy ≤ n ≤ 256 and that happy distinct nodes exist. n may exceed the node count
 * (some nodes then hold two shares), but happy may not: an upload needs shares on happy distinct
 * nodes and would always fail.
 */
export function validateEncoding({ k, happy, n }: GridEncoding, nodeCount: number): void {
  for (const [name, value] of [
    ['k', k],
    ['happy', happy],
    ['n', n],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new HomeError(`${name} must be a whole number ≥ 1, got ${value}`);
  }
  if (n > MAX_SHARES) throw new HomeError(`n must be at most ${MAX_SHARES}, got ${n}`);
  if (k > n) throw new HomeError(`k (${k}) cannot exceed n (${n}): k of the n shares rebuild a file`);
  if (happy < k || happy > n) throw new HomeError(`happy (${happy}) must lie between k (${k}) and n (${n})`);
  if (happy > nodeCount) {
    throw new HomeError(
      `happy (${happy}) cannot exceed the number of storage nodes (${nodeCount}): an upload must reach ${happy} distinct nodes`,
    );
  }
}
