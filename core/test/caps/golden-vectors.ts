import { readFileSync } from 'node:fs';
import * as derive from '../../src/caps/derive.js';
import { formatCap } from '../../src/caps/text.js';
import { ed25519FromSeed } from '../../src/crypto/ed25519.js';
import { sealKeyOf } from '../../src/dirnode/format.js';
import { contentChunkHash, convergentKey } from '../../src/immutable/convergence.js';
import { encodingParams } from '../../src/immutable/params.js';
import { blockHash, segmentHash } from '../../src/immutable/segment-codec.js';
import { encodeUeb, uebHash } from '../../src/immutable/ueb.js';
import { merkleRoot } from '../../src/merkle/hash-tree.js';
import { versionAesKey } from '../../src/mutable/keys.js';
import { base32Encode } from '../../src/util/base32.js';
import { toHex } from '../../src/util/bytes.js';
import { makeGrid, patternBytes } from '../grid/make-grid.js';

/**
 * Golden vectors: every key derivation and cap string from fixed inputs, compared with values
 * committed in fixtures/golden-caps.json. A change here means existing caps stop working, so it
 * must be deliberate: regenerate with UPDATE_GOLDEN=1 only together with a format version bump.
 */
export const FIXTURE = new URL('../fixtures/golden-caps.json', import.meta.url);

export function committedVectors(): Record<string, string> {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, string>;
}

const bytes = (start: number, length: number): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);

export async function computeVectors(): Promise<Record<string, string>> {
  const chkKey = bytes(1, 16);
  const seed = bytes(32, 32);
  const secret = bytes(100, 32);
  const salt = bytes(200, 16);
  const { publicKey } = ed25519FromSeed(seed);
  const readKey = derive.mutableReadKey(seed);
  const params = encodingParams(1000, { k: 3, n: 5 });
  const chunk = patternBytes(1000, 7);
  const leafA = blockHash(bytes(0, 10));
  const leafB = blockHash(bytes(10, 10));
  const ueb = encodeUeb({
    params,
    shareRoot: merkleRoot([leafA, leafB]),
    crypttextRoot: merkleRoot([leafB]),
  });
  const chkCap = { kind: 'chk-read' as const, key: chkKey, uebHash: uebHash(ueb), k: 3, n: 5, size: 1000 };
  const fileWrite = { kind: 'mutable-write' as const, flavor: 'file' as const, seed };
  const dirWrite = { kind: 'mutable-write' as const, flavor: 'dir' as const, seed };

  const t = makeGrid();
  let uploadedCap: string;
  try {
    uploadedCap = formatCap(
      (await t.grid.uploadBytes(patternBytes(2_500_000, 3), { key: { convergenceSecret: secret } })).cap,
    );
  } finally {
    await t.grid.close();
  }
  return {
    'base32(0..9)': base32Encode(bytes(0, 10)),
    'chk.storageIndex': toHex(derive.chkStorageIndex(chkKey)),
    'chk.aesKey': toHex(derive.chkAesKey(chkKey)),
    'mutable.publicKey': toHex(publicKey),
    'mutable.readKey': toHex(readKey),
    'mutable.fingerprint': toHex(derive.publicKeyFingerprint(publicKey)),
    'mutable.storageIndex': toHex(derive.mutableStorageIndex(readKey)),
    'mutable.versionAesKey': toHex(versionAesKey(readKey, salt)),
    'dir.sealKey': toHex(sealKeyOf(seed)),
    'convergence.chunkHash': toHex(contentChunkHash(chunk)),
    'convergence.key': toHex(convergentKey(secret, params, [contentChunkHash(chunk)])),
    'hash.block': toHex(leafA),
    'hash.segment': toHex(segmentHash(new Uint8Array([...leafA, ...leafB]))),
    'hash.merkleRoot3': toHex(merkleRoot([leafA, leafB, leafA])),
    'ueb.bytes': toHex(ueb),
    'ueb.hash': toHex(uebHash(ueb)),
    'cap.lit': formatCap({ kind: 'lit', data: bytes(65, 20) }),
    'cap.lit.empty': formatCap({ kind: 'lit', data: new Uint8Array(0) }),
    'cap.chk': formatCap(chkCap),
    'cap.chkv': formatCap(derive.chkVerifyCap(chkCap)),
    'cap.mut': formatCap(fileWrite),
    'cap.mutr': formatCap(derive.mutableReadCap(fileWrite)),
    'cap.mutv': formatCap(derive.mutableVerifyCap(fileWrite)),
    'cap.dir': formatCap(dirWrite),
    'cap.dirr': formatCap(derive.mutableReadCap(dirWrite)),
    'cap.dirv': formatCap(derive.mutableVerifyCap(dirWrite)),
    'upload.convergent.3of5.2500000': uploadedCap,
  };
}
