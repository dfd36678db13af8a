import type { StorageNode } from '../storage/node.js';
import type { SegmentWork } from '../work/pool.js';
import type { KeyedMutex } from '../util/keyed-mutex.js';
import type { VersionCache } from '../mutable/version-cache.js';
import type { ChangeQueues } from '../dirnode/change-queue.js';
import type { DirectoryCache } from '../dirnode/dir-cache.js';

/** Per-grid encoding: shares needed (k), distinct nodes an upload must reach (happy), shares made (n). */
export interface GridEncoding {
  readonly k: number;
  readonly happy: number;
  readonly n: number;
}

/** What every grid operation needs: the nodes, the encoding and the workers. */
export interface GridContext {
  /** Replaced (never changed in place) when a node joins: work under way keeps the list it began with. */
  nodes: readonly StorageNode[];
  readonly encoding: GridEncoding;
  readonly work: SegmentWork;
  readonly maxSegmentSize: number;
  /** Queues writers of one mutable file inside this grid (other processes are met by test-and-set). */
  readonly writeLocks: KeyedMutex;
  /** Versions this grid published last, for cheap successive changes (see VersionCache). */
  readonly publishedVersions: VersionCache;
  /** Decoded directories by version (see DirectoryCache). */
  readonly directories: DirectoryCache;
  /** Directory changes waiting to be published together (see ChangeQueues). */
  readonly directoryChanges: ChangeQueues;
}

export function validateGridEncoding({ k, happy, n }: GridEncoding): void {
  if (!Number.isInteger(k) || !Number.isInteger(n) || !Number.isInteger(happy)) {
    throw new RangeError('k, happy and n must be whole numbers');
  }
  if (k < 1 || n < k || n > 256)
    throw new RangeError(`encoding ${k}-of-${n} is not possible: need 1 ≤ k ≤ n ≤ 256`);
  if (happy < k || happy > n)
    throw new RangeError(`happy must lie between k (${k}) and n (${n}), got ${happy}`);
}

/** A share that could not be used, and why: reported, never silently dropped. */
export interface ShareProblem {
  readonly nodeId: string;
  readonly shnum: number;
  readonly reason: string;
}

export class NotEnoughSharesError extends Error {
  constructor(
    message: string,
    readonly problems: readonly ShareProblem[],
  ) {
    super(message);
    this.name = 'NotEnoughSharesError';
  }
}

export class UploadError extends Error {
  constructor(
    message: string,
    readonly problems: readonly ShareProblem[],
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
