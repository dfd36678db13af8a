import { ed25519FromSeed } from '../crypto/ed25519.js';
import { taggedHash } from '../crypto/hash.js';
import { deriveKey } from '../crypto/kdf.js';
import {
  CHK_KEY_LENGTH,
  STORAGE_INDEX_LENGTH,
  type Cap,
  type ChkReadCap,
  type ChkVerifyCap,
  type MutableReadCap,
  type MutableVerifyCap,
  type MutableWriteCap,
} from './cap.js';

/** Every derivation is one-way (HKDF or a hash), so a lesser cap never yields a greater one. */

export function chkStorageIndex(key: Uint8Array): Uint8Array {
  return deriveKey(key, 'storage-index', STORAGE_INDEX_LENGTH);
}

export function chkAesKey(key: Uint8Array): Uint8Array {
  return deriveKey(key, 'chk-aes-key', 32);
}

export function mutableReadKey(seed: Uint8Array): Uint8Array {
  return deriveKey(seed, 'mutable-read-key', CHK_KEY_LENGTH);
}

export function mutableStorageIndex(readKey: Uint8Array): Uint8Array {
  return deriveKey(readKey, 'storage-index', STORAGE_INDEX_LENGTH);
}

export function publicKeyFingerprint(publicKey: Uint8Array): Uint8Array {
  return taggedHash('pubkey-fingerprint', publicKey);
}

export function chkVerifyCap(cap: ChkReadCap): ChkVerifyCap {
  return {
    kind: 'chk-verify',
    storageIndex: chkStorageIndex(cap.key),
    uebHash: cap.uebHash,
    k: cap.k,
    n: cap.n,
    size: cap.size,
  };
}

export function mutableReadCap(cap: MutableWriteCap): MutableReadCap {
  const { publicKey } = ed25519FromSeed(cap.seed);
  return {
    kind: 'mutable-read',
    flavor: cap.flavor,
    readKey: mutableReadKey(cap.seed),
    fingerprint: publicKeyFingerprint(publicKey),
  };
}

export function mutableVerifyCap(cap: MutableReadCap | MutableWriteCap): MutableVerifyCap {
  const read = cap.kind === 'mutable-write' ? mutableReadCap(cap) : cap;
  return {
    kind: 'mutable-verify',
    flavor: read.flavor,
    storageIndex: mutableStorageIndex(read.readKey),
    fingerprint: read.fingerprint,
  };
}

/** The read form of any cap (itself when it is already read-only; undefined for a verify cap). */
export function readCapOf(cap: Cap): Cap | undefined {
  switch (cap.kind) {
    case 'mutable-write':
      return mutableReadCap(cap);
    case 'chk-verify':
    case 'mutable-verify':
      return undefined;
    default:
      return cap;
  }
}

/** The verify form of any cap (undefined for LIT, which has nothing stored to verify, and unknown caps). */
export function verifyCapOf(cap: Cap): ChkVerifyCap | MutableVerifyCap | undefined {
  switch (cap.kind) {
    case 'chk-read':
      return chkVerifyCap(cap);
    case 'chk-verify':
    case 'mutable-verify':
      return cap;
    case 'mutable-write':
    case 'mutable-read':
      return mutableVerifyCap(cap);
    default:
      return undefined;
  }
}

/** The storage index a cap's shares live under (undefined for LIT and unknown caps). */
export function storageIndexOf(cap: Cap): Uint8Array | undefined {
  return verifyCapOf(cap)?.storageIndex;
}
