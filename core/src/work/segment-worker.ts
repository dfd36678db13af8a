/**
 * Entry point of the worker threads (run by piscina). Each export is one kind of task; the
 * ArrayBuffers of the results are moved, not copied, back to the caller.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import {
  decodeSegment,
  decodeSegmentInto,
  encodeSegment,
  encodeSegmentInto,
  hashBlocks,
  regenerateBlocks,
  type DecodeIntoInput,
  type DecodeSegmentInput,
  type EncodeIntoInput,
  type EncodeSegmentInput,
  type RegenerateInput,
} from '../immutable/segment-codec.js';
import { contentChunkHash, hashFileChunks, type FileChunkRange } from '../immutable/convergence.js';
import { replyingSourceChanged } from './source-changed-reply.js';

/**
 * Each segment leaves ~1 MiB of AES output behind as garbage (node's cipher allocates a fresh
 * buffer per update() and cannot write in place). V8 counts it as external memory and collects
 * it only once tens of MiB pile up per thread, which showed as ~50 MB of RSS per worker. A young-
 * generation collection every few segments frees it at once, for well under a millisecond.
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as (options?: {
  type: 'minor' | 'major';
  execution: 'sync' | 'async';
}) => void;
let sinceCollect = 0;
function collectNow(): void {
  if (++sinceCollect < 4) return;
  sinceCollect = 0;
  collect({ type: 'minor', execution: 'sync' });
}

function moving<T>(value: T, buffers: readonly Uint8Array[]): T {
  const transfer = [...new Set(buffers.map((b) => b.buffer))];
  return move({ [transferableSymbol]: transfer, [valueSymbol]: value as object }) as unknown as T;
}

export function encodeInto(input: EncodeIntoInput): ReturnType<typeof encodeSegmentInto> {
  const result = replyingSourceChanged(() => encodeSegmentInto(input));
  collectNow();
  return result as ReturnType<typeof encodeSegmentInto>; // see unlessSourceChanged in pool.ts
}

export function decodeInto(input: DecodeIntoInput): ReturnType<typeof decodeSegmentInto> {
  const result = decodeSegmentInto(input);
  collectNow();
  return result;
}

export function encode(input: EncodeSegmentInput): ReturnType<typeof encodeSegment> {
  const result = encodeSegment(input);
  return moving(result, [...result.blocks, result.blockHashes, result.segmentHash]);
}

export function decode(input: DecodeSegmentInput): ReturnType<typeof decodeSegment> {
  const result = decodeSegment(input);
  return result.ok ? moving(result, [result.data]) : result;
}

export function regenerate(input: RegenerateInput): Uint8Array[] {
  const result = regenerateBlocks(input);
  return moving(result, result);
}

export function hash(input: { blocks: Uint8Array[] }): Uint8Array {
  return hashBlocks(input.blocks);
}

export function chunkHash(input: { chunk: Uint8Array }): Uint8Array {
  return contentChunkHash(input.chunk);
}

export function fileChunkHashes(range: FileChunkRange): Uint8Array[] {
  return replyingSourceChanged(() => hashFileChunks(range)) as Uint8Array[]; // see unlessSourceChanged
}
