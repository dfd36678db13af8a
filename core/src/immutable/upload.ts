import { chkAesKey, chkStorageIndex } from '../caps/derive.js';
import { LIT_MAX_SIZE, type ChkReadCap, type LitCap } from '../caps/cap.js';
import { stat } from 'node:fs/promises';
import { readSequentially, SourceChangedError, type ByteSource } from '../util/byte-source.js';
import { SlotPool } from '../util/slot-pool.js';
import { concatBytes } from '../util/bytes.js';
import { UploadError, type GridContext, type ShareProblem } from '../grid/context.js';
import { ensureHappy, SegmentPipeline, unhappyMessage } from './segment-pipeline.js';
import { CONVERGENCE_CHUNK, convergentKey, randomReadKey } from './convergence.js';
import { encodingParams, segmentLength, type EncodingParams } from './params.js';
import { encodeChkHeader } from './share-layout.js';
import { uebHash } from './ueb.js';
import { ShareFanout } from './share-writers.js';

export type KeyChoice =
  | {
      readonly convergenceSecret: Uint8Array;
      /**
       * The content's convergence chunk hashes when the caller already has them (hashed while the
       * file was written): spares a pass over the whole source.
       */
      readonly chunkHashes?: readonly Uint8Array[];
    }
  | 'random';

export interface UploadOptions {
  readonly key: KeyChoice;
  readonly onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface UploadReport {
  readonly cap: ChkReadCap | LitCap;
  /** Where each share went (empty for LIT). */
  readonly placements: ReadonlyArray<{ readonly shnum: number; readonly nodeId: string }>;
  readonly happiness: number;
  /** Nodes or shares that failed during the upload; repair restores what they would have held. */
  readonly problems: readonly ShareProblem[];
}

/** Uploads an immutable file: LIT when it is tiny, otherwise CHK shares streamed to the nodes. */
export async function uploadImmutable(
  ctx: GridContext,
  source: ByteSource,
  options: UploadOptions,
): Promise<UploadReport> {
  if (source.size <= LIT_MAX_SIZE) {
    const pieces: Uint8Array[] = [];
    for await (const piece of source.open()) pieces.push(piece);
    const data = concatBytes(pieces);
    if (data.length !== source.size) throw new Error('the content changed while it was read');
    return { cap: { kind: 'lit', data }, placements: [], happiness: 0, problems: [] };
  }
  const params = encodingParams(source.size, ctx.encoding, ctx.maxSegmentSize);
  const key =
    options.key === 'random'
      ? randomReadKey()
      : convergentKey(
          options.key.convergenceSecret,
          params,
          options.key.chunkHashes?.length === Math.ceil(source.size / CONVERGENCE_CHUNK)
            ? options.key.chunkHashes
            : await hashContent(ctx, source),
        );
  const fanout = await ShareFanout.open(ctx.nodes, chkStorageIndex(key), params.n);
  try {
    const ueb = await streamShares(ctx, source, params, chkAesKey(key), fanout, options.onProgress);
    return await uploadReport(ctx, fanout, key, params, ueb);
  } catch (error) {
    await fanout.abortAll();
    throw error;
  }
}

/**
 * Once every share is committed: the cap and where the shares went, or, when fewer than `happy`
 * distinct nodes took them, an error after removing what was committed.
 */
export async function uploadReport(
  ctx: GridContext,
  fanout: ShareFanout,
  key: Uint8Array,
  params: EncodingParams,
  ueb: Uint8Array,
): Promise<UploadReport> {
  const achieved = fanout.happiness();
  if (achieved < ctx.encoding.happy) {
    await fanout.deleteCommitted(chkStorageIndex(key));
    throw new UploadError(unhappyMessage(achieved, ctx.encoding.happy, ctx.nodes.length), fanout.problems);
  }
  return {
    cap: { kind: 'chk-read', key, uebHash: uebHash(ueb), k: params.k, n: params.n, size: params.size },
    placements: fanout.live.map((share) => ({ shnum: share.shnum, nodeId: share.node.id })),
    happiness: achieved,
    problems: fanout.problems,
  };
}

/** Encodes segment after segment on the workers and streams each block to its share. */
async function streamShares(
  ctx: GridContext,
  source: ByteSource,
  params: EncodingParams,
  aesKey: Uint8Array,
  fanout: ShareFanout,
  onProgress: UploadOptions['onProgress'],
): Promise<Uint8Array> {
  await fanout.writeAll((shnum) => encodeChkHeader({ shnum, params }));
  ensureHappy(ctx, fanout);
  // The source first: a pipeline, once open, holds the shares' files until it is closed. Opening
  // it drops a share that fails meanwhile rather than throwing (ShareFanout.lendSinks).
  const input = await readSequentially(source);
  const pipeline = await SegmentPipeline.open(ctx, fanout, {
    aesKey,
    k: params.k,
    n: params.n,
    segmentSize: params.segmentSize,
    depth: 6,
    expectedShareBytes: Math.ceil(params.size / params.k),
    onWritten: (done) => onProgress?.(done, params.size),
  }).catch(async (error: unknown) => {
    await input.close();
    throw error;
  });
  try {
    for (let segment = 0; segment < params.numSegments && !pipeline.failed; segment++) {
      const slot = await pipeline.acquire();
      const length = segmentLength(params, segment);
      const span = pipeline.readsFiles(length) ? input.lend(length) : undefined;
      if (span === undefined) {
        try {
          await input.fill(slot.subarray(0, length));
        } catch (error) {
          pipeline.release(slot);
          throw error;
        }
      }
      pipeline.dispatch(slot, length, span);
    }
    await pipeline.drain();
    await input.finish();
  } finally {
    // The pipeline first: until it is settled, workers may still read from the source's descriptor.
    try {
      await pipeline.close();
    } finally {
      await input.close();
    }
  }
  const ueb = await pipeline.appendHashes(params);
  await fanout.commitAll();
  return ueb;
}

/** The per-chunk hashes a convergent key is made from, hashed on the workers in parallel. */
async function hashContent(ctx: GridContext, source: ByteSource): Promise<Uint8Array[]> {
  if (source.path !== undefined && ctx.work.parallelism > 1)
    return hashFileOnWorkers(ctx, source.path, source.size);
  return hashStream(ctx, source);
}

/** A file is split into runs of chunks that the workers read and hash themselves. */
async function hashFileOnWorkers(ctx: GridContext, path: string, fileSize: number): Promise<Uint8Array[]> {
  const chunks = Math.ceil(fileSize / CONVERGENCE_CHUNK);
  // A few runs per worker balance the load when one worker is slowed down.
  const runs = Math.min(chunks, ctx.work.parallelism * 4);
  const perRun = Math.ceil(chunks / runs);
  const tasks: Array<Promise<Uint8Array[]>> = [];
  for (let first = 0; first < chunks; first += perRun) {
    tasks.push(
      ctx.work.fileChunkHashes({
        path,
        firstChunk: first,
        chunkCount: Math.min(perRun, chunks - first),
        fileSize,
      }),
    );
  }
  const hashes = (await Promise.all(tasks)).flat();
  const { size } = await stat(path);
  if (size !== fileSize) throw new SourceChangedError(fileSize, size);
  return hashes;
}

async function hashStream(ctx: GridContext, source: ByteSource): Promise<Uint8Array[]> {
  const chunkCount = Math.ceil(source.size / CONVERGENCE_CHUNK);
  const slots = new SlotPool(Math.min(CONVERGENCE_CHUNK, source.size), 4);
  const hashes: Array<Promise<Uint8Array>> = [];
  const input = await readSequentially(source);
  try {
    for (let i = 0; i < chunkCount; i++) {
      const slot = await slots.acquire();
      const chunk = slot.subarray(0, Math.min(CONVERGENCE_CHUNK, source.size - i * CONVERGENCE_CHUNK));
      try {
        await input.fill(chunk);
      } catch (error) {
        slots.release(slot);
        throw error;
      }
      const task = ctx.work.chunkHash(chunk).finally(() => slots.release(slot));
      task.catch(() => undefined);
      hashes.push(task);
    }
    await input.finish();
    return await Promise.all(hashes);
  } finally {
    await input.close();
    await Promise.allSettled(hashes);
    slots.close();
  }
}
