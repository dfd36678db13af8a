// Arithmetic in GF(2^8) built on the primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d).
// Addition is XOR; multiplication goes through log/exp tables because 2 generates the whole
// multiplicative group under this polynomial, so every non-zero element is 2^e for one e in 0..254.

export const GF_POLYNOMIAL = 0x11d;

/** EXP[e] = 2^e. Doubled (510 entries used) so EXP[LOG[a] + LOG[b]] needs no `% 255`. */
export const GF_EXP = new Uint8Array(512);
/** LOG[a] = e with 2^e = a, for a ≠ 0 (LOG[0] is meaningless). */
export const GF_LOG = new Uint8Array(256);

{
  let x = 1;
  for (let e = 0; e < 255; e++) {
    GF_EXP[e] = x;
    GF_EXP[e + 255] = x;
    GF_LOG[x] = e;
    x <<= 1;
    if (x & 0x100) x ^= GF_POLYNOMIAL;
  }
}

export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return GF_EXP[GF_LOG[a]! + GF_LOG[b]!]!;
}

export function gfInverse(a: number): number {
  if (a === 0) throw new RangeError('0 has no inverse in GF(256)');
  return GF_EXP[255 - GF_LOG[a]!]!;
}

export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by 0 in GF(256)');
  if (a === 0) return 0;
  return GF_EXP[GF_LOG[a]! + 255 - GF_LOG[b]!]!;
}

/**
 * The full product table: GF_MUL_TABLE[(c << 8) | x] = c·x. 64 KiB, but a kernel only ever walks
 * the 256-byte row of one coefficient at a time, which stays in L1.
 */
export const GF_MUL_TABLE = new Uint8Array(256 * 256);
for (let c = 1; c < 256; c++) {
  for (let x = 1; x < 256; x++) GF_MUL_TABLE[(c << 8) | x] = gfMul(c, x);
}

/** The 256 products c·x (x = 0..255) as a view into GF_MUL_TABLE: a byte lookup is row[x]. */
export function gfMulRow(c: number): Uint8Array {
  return GF_MUL_TABLE.subarray(c << 8, (c + 1) << 8);
}

/**
 * Writes the two 16-entry tables of the split-nibble technique for coefficient c at target[offset..+32]:
 * the low table holds c·t and the high table c·(t << 4), for t = 0..15.
 *
 * Multiplication by a constant is linear over XOR, and x = (x & 0x0f) ⊕ (x & 0xf0), so
 * c·x = c·(x & 0x0f) ⊕ c·(x & 0xf0). Each half has only 16 possible values, which is exactly what a
 * 16-lane byte shuffle (SSSE3 pshufb, WebAssembly i8x16.swizzle) can look up: 16 products per instruction
 * instead of one table lookup per byte.
 */
export function writeNibbleTables(c: number, target: Uint8Array, offset: number): void {
  for (let t = 0; t < 16; t++) {
    target[offset + t] = gfMul(c, t);
    target[offset + 16 + t] = gfMul(c, t << 4);
  }
}
