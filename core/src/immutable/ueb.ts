import { taggedHash } from '../crypto/hash.js';
import { bytesEqual } from '../util/bytes.js';
import { paramsFor, type EncodingParams } from './params.js';

/**
 * The URI extension block (UEB): everything a reader must trust about an immutable file. Its hash
 * sits in the cap, so every value here, and through the roots every block, is authenticated.
 */
export interface ExtensionBlock {
  readonly params: EncodingParams;
  /** Root of the tree over the n shares' block-hash-tree roots. */
  readonly shareRoot: Uint8Array;
  /** Root of the tree over the ciphertext segment hashes. */
  readonly crypttextRoot: Uint8Array;
}

const MAGIC = Buffer.from('GSUEB001');
const CODEC_RS_GF256_CAUCHY = 1;
export const UEB_LENGTH = 96;

export function encodeUeb({ params, shareRoot, crypttextRoot }: ExtensionBlock): Uint8Array {
  const out = Buffer.alloc(UEB_LENGTH);
  MAGIC.copy(out, 0);
  out.writeUInt8(CODEC_RS_GF256_CAUCHY, 8);
  out.writeUInt16BE(params.k, 10);
  out.writeUInt16BE(params.n, 12);
  out.writeUInt32BE(params.segmentSize, 16);
  out.writeUInt32BE(params.numSegments, 20);
  out.writeBigUInt64BE(BigInt(params.size), 24);
  out.set(shareRoot, 32);
  out.set(crypttextRoot, 64);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Parses a UEB, or returns undefined when it is not one we can trust the shape of. */
export function decodeUeb(bytes: Uint8Array): ExtensionBlock | undefined {
  if (bytes.length !== UEB_LENGTH) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (!buf.subarray(0, 8).equals(MAGIC) || buf.readUInt8(8) !== CODEC_RS_GF256_CAUCHY) return undefined;
  if (buf.readUInt8(9) !== 0 || buf.readUInt16BE(14) !== 0) return undefined;
  const k = buf.readUInt16BE(10);
  const n = buf.readUInt16BE(12);
  const segmentSize = buf.readUInt32BE(16);
  const numSegments = buf.readUInt32BE(20);
  const size = Number(buf.readBigUInt64BE(24));
  if (
    k < 1 ||
    n < k ||
    n > 256 ||
    segmentSize === 0 ||
    segmentSize % k !== 0 ||
    !Number.isSafeInteger(size)
  ) {
    return undefined;
  }
  const params = paramsFor(size, k, n, segmentSize);
  if (params.numSegments !== numSegments) return undefined;
  return { params, shareRoot: bytes.slice(32, 64), crypttextRoot: bytes.slice(64, 96) };
}

export function uebHash(ueb: Uint8Array): Uint8Array {
  return taggedHash('ueb', ueb);
}

export function uebMatches(ueb: Uint8Array, expectedHash: Uint8Array): boolean {
  return bytesEqual(uebHash(ueb), expectedHash);
}
