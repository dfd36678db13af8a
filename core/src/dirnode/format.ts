import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { isDirectoryCap } from '../caps/cap.js';
import { parseCap } from '../caps/text.js';
import { deriveKey } from '../crypto/kdf.js';
import { base32Decode, base32Encode } from '../util/base32.js';
import { cleanMetadata, type DirEntry } from './entries.js';

/**
 * The plaintext of a directory: JSON, entries sorted by name. Each child's write cap is sealed
 * (AES-256-GCM under a key only the directory's write cap yields, the name as associated data) so
 * a holder of the directory's read cap sees read caps only, and a sealed cap cannot be moved to
 * another name.
 */
const Stored = v.object({
  format: v.literal('gs1-dir'),
  version: v.literal(1),
  entries: v.array(
    v.object({
      name: v.string(),
      ro: v.nullable(v.string()),
      rw: v.nullable(v.string()),
      meta: v.record(v.string(), v.unknown()),
    }),
  ),
});

export function sealKeyOf(seed: Uint8Array): Uint8Array {
  return deriveKey(seed, 'dir-seal-key', 32);
}

function seal(key: Uint8Array, name: string, writeCap: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const body = Buffer.concat([cipher.update(writeCap, 'utf8'), cipher.final()]);
  return base32Encode(Buffer.concat([nonce, body, cipher.getAuthTag()]));
}

function unseal(key: Uint8Array, name: string, sealed: string): string | undefined {
  const bytes = base32Decode(sealed);
  if (bytes === undefined || bytes.length < 28) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}

function childIsDirectory(entry: { readCap: string | undefined; writeCap: string | undefined }): boolean {
  const text = entry.writeCap ?? entry.readCap;
  if (text === undefined) return false;
  try {
    return isDirectoryCap(parseCap(text));
  } catch {
    return false;
  }
}

export function makeEntry(
  name: string,
  readCap: string | undefined,
  writeCap: string | undefined,
  metadata: DirEntry['metadata'],
): DirEntry {
  return { name, readCap, writeCap, metadata, isDirectory: childIsDirectory({ readCap, writeCap }) };
}

export function encodeDirectory(entries: readonly DirEntry[], sealKey: Uint8Array): Uint8Array {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const stored: v.InferOutput<typeof Stored> = {
    format: 'gs1-dir',
    version: 1,
    entries: sorted.map((e) => ({
      name: e.name,
      ro: e.readCap ?? null,
      rw: e.writeCap === undefined ? null : seal(sealKey, e.name, e.writeCap),
      meta: { ...e.metadata },
    })),
  };
  return new Uint8Array(Buffer.from(JSON.stringify(stored), 'utf8'));
}

/** Decodes a directory; write caps are unsealed only when the seal key (from the write cap) is given. */
export function decodeDirectory(bytes: Uint8Array, sealKey: Uint8Array | undefined): DirEntry[] {
  if (bytes.length === 0) return [];
  const parsed = v.safeParse(Stored, JSON.parse(Buffer.from(bytes).toString('utf8')));
  if (!parsed.success) throw new Error('directory contents are not in a known format');
  return parsed.output.entries.map((e) => {
    const writeCap = e.rw !== null && sealKey !== undefined ? unseal(sealKey, e.name, e.rw) : undefined;
    return makeEntry(e.name, e.ro ?? undefined, writeCap, cleanMetadata(e.meta));
  });
}
