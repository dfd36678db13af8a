import { createCipheriv, type Cipher } from 'node:crypto';

const AES_BLOCK = 16;

/**
 * An AES-256-CTR keystream positioned at `offset` bytes into the stream. Segments are encrypted
 * independently (in parallel, in workers) so each one starts its counter where it sits in the file.
 */
export function aesCtrAt(key: Uint8Array, iv: Uint8Array, offset: number): Cipher {
  if (key.length !== 32 || iv.length !== 16) throw new RangeError('AES-256-CTR needs a 32-byte key and 16-byte IV');
  const counter = Buffer.from(iv);
  addToCounter(counter, Math.floor(offset / AES_BLOCK));
  const cipher = createCipheriv('aes-256-ctr', key, counter);
  const skip = offset % AES_BLOCK;
  if (skip > 0) cipher.update(Buffer.alloc(skip));
  return cipher;
}

/** Adds to a 128-bit big-endian counter, carrying across all 16 bytes as CTR mode does. */
function addToCounter(counter: Buffer, blocks: number): void {
  let carry = blocks;
  for (let i = counter.length - 1; i >= 0 && carry > 0; i--) {
    const sum = (counter[i] ?? 0) + (carry % 256);
    counter[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
}

/** Encrypts or decrypts (the same in CTR) a buffer that starts at `offset` of the stream. */
export function aesCtrTransform(key: Uint8Array, iv: Uint8Array, offset: number, data: Uint8Array): Buffer {
  const cipher = aesCtrAt(key, iv, offset);
  const out = cipher.update(data);
  cipher.final();
  return out;
}
