import { ed25519Verify } from '../crypto/ed25519.js';
import { taggedHash } from '../crypto/hash.js';
import { paramsFor, type EncodingParams } from '../immutable/params.js';
import { ShareBodyLayout } from '../immutable/share-layout.js';

/**
 * A mutable share: a signed version header (all but magic and share number signed), then the same body as an immutable share (blocks and
 * hash lists). The signature covers everything a reader must trust about the version, so the
 * header plays the part the UEB plays for immutable files; the cap's fingerprint of the public
 * key tells the reader which key to trust.
 *
 *   0 magic | 8 format, shnum, k, n | 16 seq | 24 share root | 56 ciphertext root | 88 salt
 *   | 104 segment size, segments | 112 size | 120 public key | 152 signature | 216 body
 */
const MAGIC = Buffer.from('GSMUTSH1');
/** 2: block hashes are BLAKE3 (version 1 hashed them with SHA-256). */
const FORMAT_VERSION = 2;
export const MUTABLE_HEADER_LENGTH = 216;
/** seq and share root: the bytes a test-and-set compares to detect a newer version. */
export const VERSION_TEST_OFFSET = 16;
export const VERSION_TEST_LENGTH = 40;
const SIGNED_FROM = 12;
const SIGNED_TO = 152;

export interface MutableVersion {
  readonly seq: number;
  readonly shareRoot: Uint8Array;
  readonly crypttextRoot: Uint8Array;
  readonly salt: Uint8Array;
  readonly params: EncodingParams;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

export function mutableLayout(params: EncodingParams): ShareBodyLayout {
  return new ShareBodyLayout(params, MUTABLE_HEADER_LENGTH, 0);
}

/** The header without shnum and signature: the bytes the signature covers (with the storage index). */
export function signedBytes(storageIndex: Uint8Array, header: Uint8Array): Uint8Array {
  return taggedHash('mutable-version', storageIndex, header.subarray(SIGNED_FROM, SIGNED_TO));
}

export function encodeMutableHeader(
  shnum: number,
  version: Omit<MutableVersion, 'signature'>,
  signature?: Uint8Array,
): Uint8Array {
  const out = Buffer.alloc(MUTABLE_HEADER_LENGTH);
  MAGIC.copy(out, 0);
  out.writeUInt8(FORMAT_VERSION, 8);
  out.writeUInt16BE(shnum, 10);
  out.writeUInt16BE(version.params.k, 12);
  out.writeUInt16BE(version.params.n, 14);
  out.writeBigUInt64BE(BigInt(version.seq), 16);
  out.set(version.shareRoot, 24);
  out.set(version.crypttextRoot, 56);
  out.set(version.salt, 88);
  out.writeUInt32BE(version.params.segmentSize, 104);
  out.writeUInt32BE(version.params.numSegments, 108);
  out.writeBigUInt64BE(BigInt(version.params.size), 112);
  out.set(version.publicKey, 120);
  if (signature !== undefined) out.set(signature, 152);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export interface DecodedMutableHeader {
  readonly shnum: number;
  readonly version: MutableVersion;
  /** The 40 bytes at VERSION_TEST_OFFSET, to test-and-set against. */
  readonly versionTag: Uint8Array;
}

/** Parses a header and checks its signature under the given storage index; undefined if either fails. */
export function decodeMutableHeader(
  bytes: Uint8Array,
  storageIndex: Uint8Array,
): DecodedMutableHeader | undefined {
  if (bytes.length < MUTABLE_HEADER_LENGTH) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, MUTABLE_HEADER_LENGTH);
  if (!buf.subarray(0, 8).equals(MAGIC) || buf.readUInt8(8) !== FORMAT_VERSION || buf.readUInt8(9) !== 0)
    return undefined;
  const shnum = buf.readUInt16BE(10);
  const k = buf.readUInt16BE(12);
  const n = buf.readUInt16BE(14);
  const seq = Number(buf.readBigUInt64BE(16));
  const segmentSize = buf.readUInt32BE(104);
  const size = Number(buf.readBigUInt64BE(112));
  if (k < 1 || n < k || n > 256 || shnum >= n || segmentSize === 0 || segmentSize % k !== 0) return undefined;
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(size) || segmentSize > 64 * 1024 * 1024)
    return undefined;
  const params = paramsFor(size, k, n, segmentSize);
  if (params.numSegments !== buf.readUInt32BE(108)) return undefined;
  const header = new Uint8Array(bytes.subarray(0, MUTABLE_HEADER_LENGTH));
  const version: MutableVersion = {
    seq,
    shareRoot: header.slice(24, 56),
    crypttextRoot: header.slice(56, 88),
    salt: header.slice(88, 104),
    params,
    publicKey: header.slice(120, 152),
    signature: header.slice(152, 216),
  };
  if (!ed25519Verify(version.publicKey, signedBytes(storageIndex, header), version.signature))
    return undefined;
  return {
    shnum,
    version,
    versionTag: header.slice(VERSION_TEST_OFFSET, VERSION_TEST_OFFSET + VERSION_TEST_LENGTH),
  };
}

/** Orders versions: higher seq wins, then the larger share root, so every reader picks the same one. */
export function compareVersions(a: MutableVersion, b: MutableVersion): number {
  if (a.seq !== b.seq) return a.seq - b.seq;
  return Buffer.compare(a.shareRoot, b.shareRoot);
}

export function versionKey(version: MutableVersion): string {
  return `${version.seq}:${Buffer.from(version.shareRoot).toString('hex')}`;
}
