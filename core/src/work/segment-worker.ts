/**
 * Entry point of the worker threads (run by piscina). Each export is one kind of task; the
 * ArrayBuffers of the results are moved, not copied, back to the caller.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import {
  decodeSegment,
  encodeSegment,
  hashBlocks,
  regenerateBlocks,
  type DecodeSegmentInput,
  type EncodeSegmentInput,
  type RegenerateInput,
} from '../immutable/segment-codec.js';
import { contentChunkHash } from '../immutable/convergence.js';

function moving<T>(value: T, buffers: readonly Uint8Array[]): T {
  const transfer = [...new Set(buffers.map((b) => b.buffer))];
  return move({ [transferableSymbol]: transfer, [valueSymbol]: value as object }) as unknown as T;
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
