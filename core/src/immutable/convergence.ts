import { createHmac, randomBytes } from 'node:crypto';
import { taggedHasher } from '../crypto/hash.js';
import { merkleRoot } from '../merkle/hash-tree.js';
import type { EncodingParams } from './params.js';

/**
 * Convergent encryption: the read key of an immutable file is an HMAC of its content under the
 * account's convergence secret, so one account storing the same bytes twice gets the same cap and
 * stores them once, while nobody without the secret can confirm a guess of the content.
 *
 * The content is hashed as a Merkle tree of 1 MiB chunks rather than one sequential HMAC so the
 * chunks hash in parallel on every core; the encoding parameters are bound in, so one content
 * encoded two ways gets two storage indexes instead of colliding.
 */
export const CONVERGENCE_CHUNK = 1024 * 1024;

export function contentChunkHash(chunk: Uint8Array): Uint8Array {
  return new Uint8Array(taggedHasher('content-chunk').update(chunk).digest());
}

export function convergentKey(
  secret: Uint8Array,
  params: EncodingParams,
  chunkHashes: readonly Uint8Array[],
): Uint8Array {
  const hmac = createHmac('sha256', secret);
  hmac.update(`gs1:convergent-key:${params.k}:${params.n}:${params.segmentSize}:${params.size}:`);
  hmac.update(merkleRoot(chunkHashes));
  return new Uint8Array(hmac.digest().subarray(0, 16));
}

export function randomReadKey(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}
