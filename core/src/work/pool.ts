import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import {
  decodeSegment,
  decodeSegmentInto,
  encodeSegment,
  encodeSegmentInto,
  hashBlocks,
  regenerateBlocks,
} from '../immutable/segment-codec.js';
import type {
  DecodeFailure,
  DecodeIntoInput,
  DecodeSegmentInput,
  DecodedSegment,
  EncodeIntoInput,
  EncodeSegmentInput,
  EncodedInto,
  EncodedSegment,
  RegenerateInput,
} from '../immutable/segment-codec.js';
import { contentChunkHash, hashFileChunks, type FileChunkRange } from '../immutable/convergence.js';
import { compiledSibling } from '../util/worker-url.js';
import { unlessSourceChanged } from './source-changed-reply.js';

/**
 * Runs segment work (AES, Reed-Solomon, BLAKE3) on worker threads so the event loop stays free
 * for I/O and, on a 2-core machine, hashing and coding use both cores. We use piscina (a
 * well-kept pool: queueing, transfer of results, clean shutdown) rather than our own pool. With
 * `threads: 0` everything runs inline, which small files and tests of the logic prefer.
 */
export interface SegmentWork {
  /** Streaming upload: plaintext and output are views of shared slots, so nothing is copied between threads. */
  encodeInto(input: EncodeIntoInput): Promise<EncodedInto>;
  decodeInto(input: DecodeIntoInput): Promise<{ readonly ok: true } | DecodeFailure>;
  encode(input: EncodeSegmentInput): Promise<EncodedSegment>;
  decode(input: DecodeSegmentInput): Promise<DecodedSegment>;
  regenerate(input: RegenerateInput): Promise<Uint8Array[]>;
  hashBlocks(blocks: Uint8Array[]): Promise<Uint8Array>;
  chunkHash(chunk: Uint8Array): Promise<Uint8Array>;
  /** Reads and hashes a run of a file's convergence chunks on a worker. */
  fileChunkHashes(range: FileChunkRange): Promise<Uint8Array[]>;
  /** How many tasks run at once (1 inline). */
  readonly parallelism: number;
  /**
   * Whether a segment of this many bytes is coded on another thread: only then may its plaintext
   * be a FileSpan, read there (a blocking read on the event loop would stall everything else).
   */
  offThread(segmentBytes: number): boolean;
  close(): Promise<void>;
}

export function defaultThreadCount(): number {
  return Math.min(4, availableParallelism());
}

export function createSegmentWork(threads = defaultThreadCount()): SegmentWork {
  return threads <= 0 ? inlineWork : new PooledWork(threads);
}

/** Runs `task` now, on this thread; a throw becomes a rejection, as from a worker. */
function inline<T>(task: () => T): Promise<T> {
  return new Promise((resolve) => resolve(task()));
}

const inlineWork: SegmentWork = {
  encodeInto: (input) => inline(() => encodeSegmentInto(input)),
  decodeInto: (input) => inline(() => decodeSegmentInto(input)),
  encode: (input) => inline(() => encodeSegment(input)),
  decode: (input) => inline(() => decodeSegment(input)),
  regenerate: (input) => inline(() => regenerateBlocks(input)),
  hashBlocks: (blocks) => inline(() => hashBlocks(blocks)),
  chunkHash: (chunk) => inline(() => contentChunkHash(chunk)),
  fileChunkHashes: (range) => inline(() => hashFileChunks(range)),
  parallelism: 1,
  offThread: () => false,
  close: () => Promise.resolve(),
};

/**
 * Segments up to this size are coded on the calling thread even with a pool: a trip to a worker
 * and back costs two thread wakeups and a message each way (tens of µs on both threads), more
 * than coding a few KiB. Small files are all such trips: 1,000 of them through sshfs spent ~0.2 s
 * of the event loop posting tasks.
 */
const INLINE_SEGMENT_BYTES = 16 * 1024;

class PooledWork implements SegmentWork {
  private pool: Piscina | undefined;
  /** Tasks posted and not yet settled: close waits for them (see close). */
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly threads: number) {}

  get parallelism(): number {
    return this.threads;
  }

  offThread(segmentBytes: number): boolean {
    return segmentBytes > INLINE_SEGMENT_BYTES;
  }

  fileChunkHashes(range: FileChunkRange): Promise<Uint8Array[]> {
    return this.run('fileChunkHashes', range, []);
  }

  private get piscina(): Piscina {
    if (this.pool === undefined) {
      const pool = new Piscina({
        filename: compiledSibling(import.meta.url, './segment-worker.js').href,
        minThreads: this.threads,
        maxThreads: this.threads,
        // A worker gets its next task while it still codes the one before, instead of when the
        // event loop has handled that one's answer: on 2 cores, busy with the workers and the
        // kernel's copies, the event loop often runs late, and each late turn left a worker idle.
        // Tasks still run one at a time (they are synchronous). 1 GiB put: 2.37 → 2.32 s (median
        // of 5 pairs), CPUs idle 0.88 → 0.80 core-seconds.
        concurrentTasksPerWorker: 2,
        idleTimeout: 30_000,
      });
      // Piscina reports a worker's answer to a task it no longer knows as an 'error' event, which
      // without a listener is an uncaught exception. close() waits for running tasks so that it
      // should not happen; if it does all the same, it concerns a task whose caller has its answer
      // already (settled by destroy), so it is not worth taking the process down for.
      pool.on('error', () => undefined);
      this.pool = pool;
    }
    return this.pool;
  }

  encodeInto(input: EncodeIntoInput): Promise<EncodedInto> {
    if (!this.offThread(input.plaintext.length)) return inlineWork.encodeInto(input);
    return this.run('encodeInto', input, []);
  }

  decodeInto(input: DecodeIntoInput): Promise<{ readonly ok: true } | DecodeFailure> {
    if (!this.offThread(input.segmentLength)) return inlineWork.decodeInto(input);
    return this.run('decodeInto', input, []);
  }

  encode(input: EncodeSegmentInput): Promise<EncodedSegment> {
    // The plaintext is moved to the worker: callers hand over a buffer they no longer use.
    return this.run('encode', input, [input.plaintext.buffer]);
  }

  decode(input: DecodeSegmentInput): Promise<DecodedSegment> {
    return this.run('decode', input, []);
  }

  regenerate(input: RegenerateInput): Promise<Uint8Array[]> {
    return this.run('regenerate', input, []);
  }

  hashBlocks(blocks: Uint8Array[]): Promise<Uint8Array> {
    return this.run('hash', { blocks }, []);
  }

  chunkHash(chunk: Uint8Array): Promise<Uint8Array> {
    // A chunk on a shared slot is shared, not moved; a private one is moved.
    return this.run('chunkHash', { chunk }, chunk.buffer instanceof SharedArrayBuffer ? [] : [chunk.buffer]);
  }

  private async run<T>(name: string, input: unknown, transferList: ArrayBufferLike[]): Promise<T> {
    const task = this.piscina.run(input, { name, transferList: transferList as ArrayBuffer[] });
    this.running.add(task);
    try {
      return unlessSourceChanged((await task) as T);
    } finally {
      this.running.delete(task);
    }
  }

  /**
   * Lets running tasks finish (segment work takes milliseconds), then stops the threads. Destroying
   * the pool under a running task made piscina throw 'Unexpected message from Worker' when the
   * worker answered: a gateway stopping during a download's readahead crashed on its way out.
   */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool === undefined) return;
    await Promise.allSettled([...this.running]);
    await pool.destroy();
  }
}
