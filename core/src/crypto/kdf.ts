import { hkdfSync } from 'node:crypto';

/** Labels for every key derived in the grid: one place, so two uses can never share a label. */
export type KdfLabel =
  'storage-index' | 'chk-aes-key' | 'mutable-read-key' | 'mutable-version-key' | 'dir-seal-key' | 'spool-key';

/** HKDF-SHA-256 with an empty salt; `context` binds extra public values (e.g. a version salt). */
export function deriveKey(
  secret: Uint8Array,
  label: KdfLabel,
  length: number,
  context?: Uint8Array,
): Uint8Array {
  const info =
    context === undefined
      ? Buffer.from(`gs1:${label}`)
      : Buffer.concat([Buffer.from(`gs1:${label}:`), context]);
  return new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), info, length));
}
