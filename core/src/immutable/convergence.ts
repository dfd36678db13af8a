import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { bulkHash } from '../crypto/hash.js';
import { readSpanSync } from '../util/byte-source.js';
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
  return bulkHash('content-chunk', chunk);
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

export interface FileChunkRange {
  readonly path: string;
  readonly firstChunk: number;
  readonly chunkCount: number;
  readonly fileSize: number;
}

/**
 * Hashes a run of chunks of a file, reading it right here (on a worker thread): the convergence
 * pass then needs no buffer handed between threads and no main-thread work per chunk. Throws if
 * the file is shorter than it was when the upload began.
 */
export function hashFileChunks(range: FileChunkRange): Uint8Array[] {
  const fd = openSync(range.path, 'r');
  try {
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < range.chunkCount; i++) {
      const position = (range.firstChunk + i) * CONVERGENCE_CHUNK;
      const length = Math.min(CONVERGENCE_CHUNK, range.fileSize - position);
      hashes.push(contentChunkHash(readSpanSync({ fd, position, length, fileSize: range.fileSize })));
    }
    return hashes;
  } finally {
    closeSync(fd);
  }
}
