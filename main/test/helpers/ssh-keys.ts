import { generateKeyPairSync } from 'node:crypto';

/** An OpenSSH public key line for a fresh Ed25519 key, built by hand (no ssh-keygen needed). */
export function ed25519Line(comment = 'test@grid'): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const withLength = (bytes: Buffer): Buffer => {
    const out = Buffer.concat([Buffer.alloc(4), bytes]);
    out.writeUInt32BE(bytes.length, 0);
    return out;
  };
  const blob = Buffer.concat([withLength(Buffer.from('ssh-ed25519')), withLength(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}
