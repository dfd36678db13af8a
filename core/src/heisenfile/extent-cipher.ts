import { randomBytes } from 'node:crypto';
import { aesCtrInto } from '../crypto/aes-ctr.js';

/** The unit of re-keying: each extent of the spool file has its own keystream. */
export const EXTENT = 64 * 1024;

/** Generations are 48-bit (6 bytes of the IV); 2^48 rewrites of one spool will not happen. */
const MAX_GENERATION = 2 ** 48 - 1;

/**
 * AES-256-CTR over the spool file with a random key that lives only in memory.
 *
 * Why generations: CTR with the counter derived from the offset alone reuses keystream when an
 * offset is written twice, so an attacker who snapshots the temp file before and after an
 * overwrite gets old XOR new plaintext. Tahoe's EncryptedTemporaryFile accepts that. We do a
 * little better at little cost: the IV of each 64 KiB extent is (generation, extent index), and
 * the spool moves an extent to a fresh generation (re-encrypting its live bytes, at most 64 KiB)
 * whenever a write would put ciphertext on a position that already held ciphertext under the
 * extent's current generation. Every (generation, extent, position) is used for one plaintext
 * byte only, so no two snapshots share keystream. Sequential writers and the background fill
 * never rewrite a position, so they pay nothing; in-place rewrites pay one extent read and write.
 * Generations come from one counter per spool, so a generation abandoned by a failed rewrite is
 * never reused. Memory: one map entry per extent ever rewritten (none for sequential writing).
 *
 * IV layout (16 bytes): generation (6, big-endian) | extent index (6) | block counter (4). The
 * counter within an extent never exceeds 4096 blocks, so it cannot carry into the other fields.
 */
export class ExtentCipher {
  private readonly key: Buffer = randomBytes(32);
  private readonly generations = new Map<number, number>();
  private lastGeneration = 0;

  generationOf(extent: number): number {
    return this.generations.get(extent) ?? 0;
  }

  /** A generation never handed out before. */
  nextGeneration(): number {
    if (this.lastGeneration >= MAX_GENERATION) throw new RangeError('spool cipher generations exhausted');
    return ++this.lastGeneration;
  }

  setGeneration(extent: number, generation: number): void {
    this.generations.set(extent, generation);
  }

  /**
   * Encrypts or decrypts `source` (which sits at file offset `offset`) into `target`, each extent
   * under its current generation, or under `generation` (then the range must lie in one extent).
   */
  transform(offset: number, source: Uint8Array, target: Uint8Array, generation?: number): void {
    const end = offset + source.length;
    for (let at = offset; at < end;) {
      const extent = Math.floor(at / EXTENT);
      const base = extent * EXTENT;
      const stop = Math.min(end, base + EXTENT);
      const gen = generation ?? this.generationOf(extent);
      if (generation !== undefined && (offset < base || end > base + EXTENT))
        throw new RangeError('a generation override must stay within one extent');
      aesCtrInto(
        this.key,
        ivFor(gen, extent),
        at - base,
        source.subarray(at - offset, stop - offset),
        target.subarray(at - offset, stop - offset),
      );
      at = stop;
    }
  }

  /** Forgets the key (best effort: the GC may have copied it, but the spool is gone). */
  wipe(): void {
    this.key.fill(0);
  }
}

function ivFor(generation: number, extent: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUIntBE(generation, 0, 6);
  iv.writeUIntBE(extent, 6, 6);
  return iv;
}
