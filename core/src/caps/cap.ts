/**
 * Capabilities: strings that both name an object and grant access to it (DESIGN §2). Holding a
 * write cap gives write access, a read cap read access, a verify cap only the power to check and
 * repair; each diminishes one way (write → read → verify).
 */

export interface LitCap {
  readonly kind: 'lit';
  /** The whole file (≤ 55 bytes) lives in the cap; nothing is stored. */
  readonly data: Uint8Array;
}

/** Shape of an immutable (CHK) file shared by its read and verify caps. */
export interface ChkShape {
  readonly uebHash: Uint8Array;
  readonly k: number;
  readonly n: number;
  readonly size: number;
}

export interface ChkReadCap extends ChkShape {
  readonly kind: 'chk-read';
  /** 16-byte read key: the storage index and the AES key derive from it. */
  readonly key: Uint8Array;
}

export interface ChkVerifyCap extends ChkShape {
  readonly kind: 'chk-verify';
  readonly storageIndex: Uint8Array;
}

export type MutableFlavor = 'file' | 'dir';

export interface MutableWriteCap {
  readonly kind: 'mutable-write';
  readonly flavor: MutableFlavor;
  /** The Ed25519 seed that signs new versions. */
  readonly seed: Uint8Array;
}

export interface MutableReadCap {
  readonly kind: 'mutable-read';
  readonly flavor: MutableFlavor;
  readonly readKey: Uint8Array;
  /** Hash of the public key: lets a reader check a share's signature without the seed. */
  readonly fingerprint: Uint8Array;
}

export interface MutableVerifyCap {
  readonly kind: 'mutable-verify';
  readonly flavor: MutableFlavor;
  readonly storageIndex: Uint8Array;
  readonly fingerprint: Uint8Array;
}

/** A cap of a kind this version does not know: kept and passed through untouched. */
export interface UnknownCap {
  readonly kind: 'unknown';
  readonly text: string;
}

export type Cap =
  LitCap | ChkReadCap | ChkVerifyCap | MutableWriteCap | MutableReadCap | MutableVerifyCap | UnknownCap;
export type FileReadCap = LitCap | ChkReadCap | MutableReadCap | MutableWriteCap;

export const LIT_MAX_SIZE = 55;
export const CHK_KEY_LENGTH = 16;
export const STORAGE_INDEX_LENGTH = 16;
export const SEED_LENGTH = 32;
export const FINGERPRINT_LENGTH = 32;
export const UEB_HASH_LENGTH = 32;

export function isDirectoryCap(cap: Cap): boolean {
  return (
    (cap.kind === 'mutable-write' || cap.kind === 'mutable-read' || cap.kind === 'mutable-verify') &&
    cap.flavor === 'dir'
  );
}

export function isWriteCap(cap: Cap): cap is MutableWriteCap {
  return cap.kind === 'mutable-write';
}

export class CapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CapError';
  }
}
