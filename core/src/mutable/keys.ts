import type { KeyObject } from 'node:crypto';
import type { MutableReadCap, MutableWriteCap } from '../caps/cap.js';
import { mutableReadKey, mutableStorageIndex, publicKeyFingerprint } from '../caps/derive.js';
import { ed25519FromSeed } from '../crypto/ed25519.js';
import { deriveKey } from '../crypto/kdf.js';
import { base32Encode } from '../util/base32.js';

/** Everything a holder of a mutable cap can derive from it. */
export interface MutableReadKeys {
  readonly readKey: Uint8Array;
  readonly storageIndex: Uint8Array;
  readonly siText: string;
  readonly fingerprint: Uint8Array;
}

export interface MutableWriteKeys extends MutableReadKeys {
  readonly seed: Uint8Array;
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
}

export function readKeysOf(cap: MutableReadCap | MutableWriteCap): MutableReadKeys {
  if (cap.kind === 'mutable-write') return writeKeysOf(cap);
  const storageIndex = mutableStorageIndex(cap.readKey);
  return {
    readKey: cap.readKey,
    storageIndex,
    siText: base32Encode(storageIndex),
    fingerprint: cap.fingerprint,
  };
}

/**
 * Keys by seed, most recently used last. Deriving them costs an Ed25519 key object (about a
 * millisecond), and an SFTP request names the same few directories over and over (every
 * directory-entry key, every directory read and change starts from its cap).
 */
const writeKeysBySeed = new Map<string, MutableWriteKeys>();
const WRITE_KEYS_KEPT = 1024;

export function writeKeysOf(cap: MutableWriteCap): MutableWriteKeys {
  const id = Buffer.from(cap.seed).toString('latin1');
  const known = writeKeysBySeed.get(id);
  if (known !== undefined) {
    writeKeysBySeed.delete(id);
    writeKeysBySeed.set(id, known);
    return known;
  }
  const keys = deriveWriteKeys(cap);
  writeKeysBySeed.set(id, keys);
  if (writeKeysBySeed.size > WRITE_KEYS_KEPT) {
    const oldest = writeKeysBySeed.keys().next().value;
    if (oldest !== undefined) writeKeysBySeed.delete(oldest);
  }
  return keys;
}

/** The storage index (as text) of a mutable cap, as `storageIndexOf` gives it, without re-deriving keys. */
export function mutableSiText(cap: MutableReadCap | MutableWriteCap): string {
  return readKeysOf(cap).siText;
}

function deriveWriteKeys(cap: MutableWriteCap): MutableWriteKeys {
  const { privateKey, publicKey } = ed25519FromSeed(cap.seed);
  const readKey = mutableReadKey(cap.seed);
  const storageIndex = mutableStorageIndex(readKey);
  return {
    seed: new Uint8Array(cap.seed),
    privateKey,
    publicKey,
    readKey,
    storageIndex,
    siText: base32Encode(storageIndex),
    fingerprint: publicKeyFingerprint(publicKey),
  };
}

/** Each version is encrypted under its own key, from the read key and the version's random salt. */
export function versionAesKey(readKey: Uint8Array, salt: Uint8Array): Uint8Array {
  return deriveKey(readKey, 'mutable-version-key', 32, salt);
}
