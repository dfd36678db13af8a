/** How a file of a given size is cut into segments and blocks (identical for writer and reader). */

export const MAX_SEGMENT_SIZE = 1024 * 1024;

export interface Encoding {
  readonly k: number;
  readonly n: number;
}

export interface EncodingParams extends Encoding {
  readonly size: number;
  /** Bytes of plaintext per full segment: a multiple of k so blocks are whole. */
  readonly segmentSize: number;
  readonly numSegments: number;
  /** Block length of every full segment (segmentSize / k). */
  readonly blockSize: number;
  /** Length of the last segment's plaintext, and of its blocks (the last segment padded to k). */
  readonly tailSegmentLength: number;
  readonly tailBlockSize: number;
}

export function validateEncoding({ k, n }: Encoding): void {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || n < k || n > 256) {
    throw new RangeError(`encoding ${k}-of-${n} is not possible: need 1 ≤ k ≤ n ≤ 256`);
  }
}

export function encodingParams(
  size: number,
  encoding: Encoding,
  maxSegmentSize = MAX_SEGMENT_SIZE,
): EncodingParams {
  validateEncoding(encoding);
  const { k, n } = encoding;
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad file size ${size}`);
  const segmentSize = roundUp(Math.max(1, Math.min(size, maxSegmentSize - (maxSegmentSize % k) || k)), k);
  return paramsFor(size, k, n, segmentSize);
}

/**
 * The segment size of every file of at least one whole segment: `encodingParams` caps it, so it
 * no longer depends on the size (what lets StreamingUpload code segments before the size is known).
 */
export function fullSegmentSize(encoding: Encoding, maxSegmentSize = MAX_SEGMENT_SIZE): number {
  return encodingParams(Number.MAX_SAFE_INTEGER, encoding, maxSegmentSize).segmentSize;
}

/** Rebuilds the parameters from the values a share's extension block records. */
export function paramsFor(size: number, k: number, n: number, segmentSize: number): EncodingParams {
  if (segmentSize <= 0 || segmentSize % k !== 0)
    throw new RangeError('segment size must be a positive multiple of k');
  const numSegments = Math.max(1, Math.ceil(size / segmentSize));
  const tailSegmentLength = size - (numSegments - 1) * segmentSize;
  return {
    k,
    n,
    size,
    segmentSize,
    numSegments,
    blockSize: segmentSize / k,
    tailSegmentLength,
    tailBlockSize: roundUp(tailSegmentLength, k) / k,
  };
}

export function segmentLength(params: EncodingParams, segment: number): number {
  return segment === params.numSegments - 1 ? params.tailSegmentLength : params.segmentSize;
}

export function blockLength(params: EncodingParams, segment: number): number {
  return segment === params.numSegments - 1 ? params.tailBlockSize : params.blockSize;
}

export function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
