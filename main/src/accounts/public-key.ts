import { createHash } from 'node:crypto';

/** An SSH public key as an account keeps it: the OpenSSH line's parts and its SHA256 fingerprint. */
export interface AccountKey {
  readonly type: string;
  /** The key blob, base64 (as in authorized_keys). */
  readonly data: string;
  readonly comment: string;
  readonly fingerprint: string;
}

const TYPES = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

export class PublicKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublicKeyError';
  }
}

/** SHA256:… as `ssh-keygen -l` prints it (base64 without padding). */
export function fingerprintOf(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Parses one OpenSSH public key line (`TYPE BASE64 [comment]`, as in a .pub file or
 * authorized_keys, without options). The blob must name the same type as the line: a key pasted
 * with the wrong label is refused rather than silently never matching.
 */
export function parsePublicKey(line: string): AccountKey {
  const [type, data, ...rest] = line.trim().split(/\s+/);
  if (type === undefined || data === undefined || !TYPES.has(type)) {
    throw new PublicKeyError('not an OpenSSH public key line (expected e.g. "ssh-ed25519 AAAA… comment")');
  }
  const blob = Buffer.from(data, 'base64');
  if (blob.length < 4 || blob.toString('base64') !== data) {
    throw new PublicKeyError('the key data is not valid base64');
  }
  const nameLength = blob.readUInt32BE(0);
  if (nameLength + 4 > blob.length || blob.subarray(4, 4 + nameLength).toString('latin1') !== type) {
    throw new PublicKeyError(`the key data is not a ${type} key`);
  }
  return { type, data, comment: rest.join(' '), fingerprint: fingerprintOf(blob) };
}
