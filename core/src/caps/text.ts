import { base32Decode, base32Encode } from '../util/base32.js';
import {
  CapError,
  CHK_KEY_LENGTH,
  FINGERPRINT_LENGTH,
  LIT_MAX_SIZE,
  SEED_LENGTH,
  STORAGE_INDEX_LENGTH,
  UEB_HASH_LENGTH,
  type Cap,
  type MutableFlavor,
} from './cap.js';

/**
 * Cap strings: `gs1-<kind>-<field>-<field>…`, fields in lower-case base32 or decimal. The version
 * prefix lets a later format coexist; `-` separates fields because it is neither in the base32
 * alphabet nor special in paths, shells or URLs.
 */
const PREFIX = 'gs1-';
const MUTABLE_TAGS: Record<string, { flavor: MutableFlavor; form: 'write' | 'read' | 'verify' }> = {
  mut: { flavor: 'file', form: 'write' },
  mutr: { flavor: 'file', form: 'read' },
  mutv: { flavor: 'file', form: 'verify' },
  dir: { flavor: 'dir', form: 'write' },
  dirr: { flavor: 'dir', form: 'read' },
  dirv: { flavor: 'dir', form: 'verify' },
};

function mutableTag(flavor: MutableFlavor, form: 'write' | 'read' | 'verify'): string {
  const base = flavor === 'dir' ? 'dir' : 'mut';
  return form === 'write' ? base : form === 'read' ? `${base}r` : `${base}v`;
}

export function formatCap(cap: Cap): string {
  switch (cap.kind) {
    case 'lit':
      return `${PREFIX}lit-${base32Encode(cap.data)}`;
    case 'chk-read':
      return `${PREFIX}chk-${base32Encode(cap.key)}-${base32Encode(cap.uebHash)}-${cap.k}-${cap.n}-${cap.size}`;
    case 'chk-verify':
      return `${PREFIX}chkv-${base32Encode(cap.storageIndex)}-${base32Encode(cap.uebHash)}-${cap.k}-${cap.n}-${cap.size}`;
    case 'mutable-write':
      return `${PREFIX}${mutableTag(cap.flavor, 'write')}-${base32Encode(cap.seed)}`;
    case 'mutable-read':
      return `${PREFIX}${mutableTag(cap.flavor, 'read')}-${base32Encode(cap.readKey)}-${base32Encode(cap.fingerprint)}`;
    case 'mutable-verify':
      return `${PREFIX}${mutableTag(cap.flavor, 'verify')}-${base32Encode(cap.storageIndex)}-${base32Encode(cap.fingerprint)}`;
    case 'unknown':
      return cap.text;
  }
}

/**
 * Parses a cap string. Strings that are not ours at all (another version, another system) come
 * back as `unknown` so directories can carry them; strings that claim to be ours but are
 * malformed throw CapError, because silently passing a broken cap on would hide data loss.
 */
export function parseCap(text: string): Cap {
  if (!text.startsWith(PREFIX)) {
    if (text.length === 0 || /[/\0]/.test(text)) throw new CapError('not a cap');
    return { kind: 'unknown', text };
  }
  const fields = text.slice(PREFIX.length).split('-');
  const tag = fields[0] ?? '';
  if (tag === 'lit') {
    if (fields.length !== 2) throw new CapError('malformed literal cap');
    const data = bytesField(fields[1], undefined, 'data');
    if (data.length > LIT_MAX_SIZE) throw new CapError('literal cap too long');
    return { kind: 'lit', data };
  }
  if (tag === 'chk' || tag === 'chkv') {
    if (fields.length !== 6) throw new CapError('malformed immutable-file cap');
    const secret = bytesField(fields[1], tag === 'chk' ? CHK_KEY_LENGTH : STORAGE_INDEX_LENGTH, 'key');
    const uebHash = bytesField(fields[2], UEB_HASH_LENGTH, 'hash');
    const k = intField(fields[3], 1, 256, 'k');
    const n = intField(fields[4], k, 256, 'n');
    const size = intField(fields[5], LIT_MAX_SIZE + 1, Number.MAX_SAFE_INTEGER, 'size');
    return tag === 'chk'
      ? { kind: 'chk-read', key: secret, uebHash, k, n, size }
      : { kind: 'chk-verify', storageIndex: secret, uebHash, k, n, size };
  }
  const mutable = MUTABLE_TAGS[tag];
  if (mutable === undefined) return { kind: 'unknown', text };
  const { flavor, form } = mutable;
  if (form === 'write') {
    if (fields.length !== 2) throw new CapError('malformed write cap');
    return { kind: 'mutable-write', flavor, seed: bytesField(fields[1], SEED_LENGTH, 'seed') };
  }
  if (fields.length !== 3) throw new CapError(`malformed ${form} cap`);
  const fingerprint = bytesField(fields[2], FINGERPRINT_LENGTH, 'fingerprint');
  return form === 'read'
    ? { kind: 'mutable-read', flavor, readKey: bytesField(fields[1], CHK_KEY_LENGTH, 'key'), fingerprint }
    : {
        kind: 'mutable-verify',
        flavor,
        storageIndex: bytesField(fields[1], STORAGE_INDEX_LENGTH, 'index'),
        fingerprint,
      };
}

function bytesField(text: string | undefined, length: number | undefined, what: string): Uint8Array {
  const bytes = text === undefined ? undefined : base32Decode(text);
  if (bytes === undefined || (length !== undefined && bytes.length !== length)) {
    throw new CapError(`malformed cap: bad ${what}`);
  }
  return bytes;
}

function intField(text: string | undefined, min: number, max: number, what: string): number {
  if (text === undefined || !/^(0|[1-9][0-9]*)$/.test(text)) throw new CapError(`malformed cap: bad ${what}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new CapError(`malformed cap: bad ${what}`);
  return value;
}
