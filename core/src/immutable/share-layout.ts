import { blockLength, paramsFor, type EncodingParams } from './params.js';
import { UEB_LENGTH } from './ueb.js';

/**
 * Where everything sits in a share. The layout is a pure function of the encoding parameters, so
 * a writer can stream blocks from the first byte on and append the hash lists at the end, with
 * no seek back (which an object store could not do).
 *
 *   header | block 0 … block S-1 | block leaves (S×32) | ciphertext leaves (S×32) | share leaves (n×32) | trailer
 */
export class ShareBodyLayout {
  readonly blocksOffset: number;
  readonly blockLeavesOffset: number;
  readonly crypttextLeavesOffset: number;
  readonly shareLeavesOffset: number;
  readonly trailerOffset: number;
  readonly totalLength: number;

  constructor(
    readonly params: EncodingParams,
    headerLength: number,
    trailerLength: number,
  ) {
    this.blocksOffset = headerLength;
    this.blockLeavesOffset =
      headerLength +
      (params.numSegments - 1) * params.blockSize +
      blockLength(params, params.numSegments - 1);
    this.crypttextLeavesOffset = this.blockLeavesOffset + params.numSegments * 32;
    this.shareLeavesOffset = this.crypttextLeavesOffset + params.numSegments * 32;
    this.trailerOffset = this.shareLeavesOffset + params.n * 32;
    this.totalLength = this.trailerOffset + trailerLength;
  }

  blockOffset(segment: number): number {
    return this.blocksOffset + segment * this.params.blockSize;
  }

  /** The hash lists and the trailer, which a reader fetches in one ranged read. */
  get hashesLength(): number {
    return this.totalLength - this.blockLeavesOffset;
  }
}

const CHK_MAGIC = Buffer.from('GSCHKSH1');
/** 2: block hashes are BLAKE3 (version 1 hashed them with SHA-256). */
const CHK_VERSION = 2;
export const CHK_HEADER_LENGTH = 64;

export interface ChkShareHeader {
  readonly shnum: number;
  readonly params: EncodingParams;
}

export function chkLayout(params: EncodingParams): ShareBodyLayout {
  return new ShareBodyLayout(params, CHK_HEADER_LENGTH, UEB_LENGTH);
}

export function encodeChkHeader({ shnum, params }: ChkShareHeader): Uint8Array {
  const out = Buffer.alloc(CHK_HEADER_LENGTH);
  CHK_MAGIC.copy(out, 0);
  out.writeUInt8(CHK_VERSION, 8);
  out.writeUInt16BE(shnum, 10);
  out.writeUInt16BE(params.k, 12);
  out.writeUInt16BE(params.n, 14);
  out.writeUInt32BE(params.segmentSize, 16);
  out.writeUInt32BE(params.numSegments, 20);
  out.writeBigUInt64BE(BigInt(params.size), 24);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * Reads a share header. It is not authenticated: it only says where to find the UEB, whose hash
 * the cap holds; the reader then insists the header agrees with the UEB.
 */
export function decodeChkHeader(bytes: Uint8Array): ChkShareHeader | undefined {
  if (bytes.length < CHK_HEADER_LENGTH) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, CHK_HEADER_LENGTH);
  if (!buf.subarray(0, 8).equals(CHK_MAGIC) || buf.readUInt8(8) !== CHK_VERSION) return undefined;
  // Reserved bytes must be zero, so that no byte of a share can change without being noticed.
  if (buf.readUInt8(9) !== 0 || buf.subarray(32).some((byte) => byte !== 0)) return undefined;
  const shnum = buf.readUInt16BE(10);
  const k = buf.readUInt16BE(12);
  const n = buf.readUInt16BE(14);
  const segmentSize = buf.readUInt32BE(16);
  const size = Number(buf.readBigUInt64BE(24));
  if (k < 1 || n < k || n > 256 || shnum >= n || segmentSize === 0 || segmentSize % k !== 0) return undefined;
  if (!Number.isSafeInteger(size) || segmentSize > 64 * 1024 * 1024) return undefined;
  const params = paramsFor(size, k, n, segmentSize);
  if (params.numSegments !== buf.readUInt32BE(20)) return undefined;
  return { shnum, params };
}
