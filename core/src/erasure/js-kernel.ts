import { gfMulRow } from './gf256.js';
import type { CodingWorkspace, GfMatrix, MatrixKernel } from './matrix.js';

/**
 * The portable kernel: plain JavaScript table lookups, used where WebAssembly SIMD is missing.
 *
 * It works on 32-bit words: one load brings four input bytes, each is looked up in the coefficient's
 * 256-byte product row and shifted back into its lane, and the output is read and written once per four
 * bytes. That is about twice as fast as a byte loop in V8. Lanes are picked by bit position on both the
 * input and the output side, so the result is the same on either endianness.
 */
export const jsKernel: MatrixKernel = {
  name: 'js',
  apply(matrix: GfMatrix, inputs: readonly Uint8Array[], into?: readonly Uint8Array[]): Uint8Array[] {
    const computed = applyFresh(matrix, inputs);
    if (into === undefined) return computed;
    // The word loops need aligned buffers of their own; copying into the caller's is cheap next to them.
    computed.forEach((output, r) => into[r]!.set(output));
    return [...into];
  },
  workspace(matrix: GfMatrix, blockLength: number): CodingWorkspace {
    const count = matrix.cols + matrix.rows;
    const blocks = reusedBlocks(count, blockLength);
    return {
      blocks,
      apply: () => void jsKernel.apply(matrix, blocks.slice(0, matrix.cols), blocks.slice(matrix.cols)),
    };
  },
};

/** The last workspace's blocks, reused while the shape holds (a file's segments all share one). */
let lastBlocks: Uint8Array[] = [];
function reusedBlocks(count: number, blockLength: number): Uint8Array[] {
  if (lastBlocks.length !== count || lastBlocks[0]?.length !== blockLength)
    lastBlocks = Array.from({ length: count }, () => new Uint8Array(blockLength));
  return lastBlocks;
}

/** matrix × inputs into new, word-aligned arrays. */
function applyFresh(matrix: GfMatrix, inputs: readonly Uint8Array[]): Uint8Array[] {
  const len = inputs[0]?.length ?? 0;
  const words = len >>> 2;
  const wordBytes = words << 2;
  const inputWords = inputs.map((input) => wordView(input, words));
  const outputs: Uint8Array[] = [];
  for (let r = 0; r < matrix.rows; r++) {
    const output = new Uint8Array(len);
    const outputWords = new Int32Array(output.buffer, 0, words);
    let first = true;
    for (let j = 0; j < matrix.cols; j++) {
      const c = matrix.get(r, j);
      if (c === 0) continue;
      const input = inputs[j]!;
      const source = inputWords[j]!;
      const row = gfMulRow(c);
      if (c === 1) {
        if (first) outputWords.set(source);
        else xorWords(outputWords, source);
      } else {
        mulWords(outputWords, source, row, first);
      }
      for (let i = wordBytes; i < len; i++) output[i] = output[i]! ^ row[input[i]!]!;
      first = false;
    }
    outputs.push(output);
  }
  return outputs;
}

/** An Int32Array over the whole words of `bytes`, copying only when the view is not 4-byte aligned.
 *  (Not `bytes.slice()`: on a Buffer that is a view, not a copy.) */
function wordView(bytes: Uint8Array, words: number): Int32Array {
  if ((bytes.byteOffset & 3) === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, words);
  const copy = new Uint8Array(words << 2);
  copy.set(bytes.subarray(0, words << 2));
  return new Int32Array(copy.buffer, 0, words);
}

function xorWords(target: Int32Array, source: Int32Array): void {
  const n = target.length;
  for (let i = 0; i < n; i++) target[i] = target[i]! ^ source[i]!;
}

/** target ⊕= row · source (or target = row · source when `assign`), four bytes per step. */
function mulWords(target: Int32Array, source: Int32Array, row: Uint8Array, assign: boolean): void {
  const n = target.length;
  if (assign) {
    for (let i = 0; i < n; i++) {
      const w = source[i]!;
      target[i] =
        row[w & 0xff]! |
        (row[(w >>> 8) & 0xff]! << 8) |
        (row[(w >>> 16) & 0xff]! << 16) |
        (row[w >>> 24]! << 24);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const w = source[i]!;
      target[i] =
        target[i]! ^
        (row[w & 0xff]! |
          (row[(w >>> 8) & 0xff]! << 8) |
          (row[(w >>> 16) & 0xff]! << 16) |
          (row[w >>> 24]! << 24));
    }
  }
}
