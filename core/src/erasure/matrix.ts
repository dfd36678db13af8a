import { gfDiv, gfInverse, gfMul } from './gf256.js';
import type { ErasureKernelName } from './reed-solomon.js';

/** A dense matrix over GF(256), row-major. */
export class GfMatrix {
  readonly data: Uint8Array;

  constructor(
    readonly rows: number,
    readonly cols: number,
    data?: Uint8Array,
  ) {
    this.data = data ?? new Uint8Array(rows * cols);
  }

  get(r: number, c: number): number {
    return this.data[r * this.cols + c]!;
  }

  set(r: number, c: number, value: number): void {
    this.data[r * this.cols + c] = value;
  }

  row(r: number): Uint8Array {
    return this.data.subarray(r * this.cols, (r + 1) * this.cols);
  }

  selectRows(indices: readonly number[]): GfMatrix {
    const out = new GfMatrix(indices.length, this.cols);
    indices.forEach((r, i) => out.data.set(this.row(r), i * this.cols));
    return out;
  }

  multiply(other: GfMatrix): GfMatrix {
    if (this.cols !== other.rows) throw new RangeError('matrix shapes do not match');
    const out = new GfMatrix(this.rows, other.cols);
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < other.cols; c++) {
        let sum = 0;
        for (let i = 0; i < this.cols; i++) sum ^= gfMul(this.get(r, i), other.get(i, c));
        out.set(r, c, sum);
      }
    }
    return out;
  }
}

/**
 * Multiplies a coefficient matrix by a column of equal-length blocks, byte by byte:
 * output r = ⊕_j matrix[r][j] · inputs[j]. Each returned block is a new Uint8Array that owns its whole
 * ArrayBuffer (so a worker can transfer it).
 */
export interface MatrixKernel {
  readonly name: ErasureKernelName;
  /** matrix × inputs; into `outputs` when given (one per matrix row, input length each), else into new arrays. */
  apply(matrix: GfMatrix, inputs: readonly Uint8Array[], outputs?: readonly Uint8Array[]): Uint8Array[];
  /**
   * Blocks this kernel multiplies where they lie: the caller fills the inputs and `apply` writes the
   * outputs, with no copy in or out. Valid until the kernel's next call (memory may move then).
   */
  workspace(matrix: GfMatrix, blockLength: number): CodingWorkspace;
}

/** See MatrixKernel.workspace. */
export interface CodingWorkspace {
  /** matrix.cols input blocks, then matrix.rows output blocks, each blockLength bytes. */
  readonly blocks: readonly Uint8Array[];
  /** outputs = matrix × inputs. */
  apply(): void;
}

/**
 * The n×k systematic generator: identity on top (block i < k is data block i) and an (n−k)×k Cauchy
 * matrix below. Block i of a segment is row i times the data column.
 *
 * Why any k rows are invertible: a Cauchy matrix a_ij = 1/(x_i ⊕ y_j) with all x_i, y_j distinct has a
 * non-zero determinant (∏(x_i ⊕ x_i')(y_j ⊕ y_j') / ∏(x_i ⊕ y_j)), and so has every square submatrix of
 * it, since a submatrix is again a Cauchy matrix. Pick any k rows: the identity rows among them fix some
 * data columns, and expanding the determinant along those rows leaves the square Cauchy submatrix formed by
 * the chosen parity rows and the remaining columns, which is non-singular. So any k surviving blocks
 * determine the data. Here y_j = j (j < k) and x_i = k + i (i < n − k): all distinct elements below 256,
 * which is why n ≤ 256.
 *
 * The Cauchy part is then scaled so that its first row and first column are all ones. Scaling a row of
 * the generator by a non-zero constant, or a column of the Cauchy part (equivalently: the data basis,
 * undone on the identity rows), multiplies each k×k minor by non-zero constants, so the property above
 * survives. What it buys: parity block k is the plain XOR of the data, and with k = 1 every parity block
 * is an exact copy of the data (true replication).
 */
export function buildEncodingMatrix(k: number, n: number): GfMatrix {
  const m = new GfMatrix(n, k);
  for (let i = 0; i < k; i++) m.set(i, i, 1);
  if (n === k) return m;
  const cauchy = (i: number, j: number): number => gfInverse((k + i) ^ j);
  const corner = cauchy(0, 0);
  for (let i = 0; i < n - k; i++) {
    const rowScale = gfDiv(corner, cauchy(i, 0));
    for (let j = 0; j < k; j++) {
      m.set(k + i, j, gfMul(gfDiv(cauchy(i, j), cauchy(0, j)), rowScale));
    }
  }
  return m;
}

/** Gauss–Jordan elimination over GF(256). Throws RangeError on a singular matrix. */
export function invertMatrix(source: GfMatrix): GfMatrix {
  const size = source.rows;
  if (source.cols !== size) throw new RangeError('only a square matrix has an inverse');
  const work = new GfMatrix(size, size, source.data.slice());
  const inverse = new GfMatrix(size, size);
  for (let i = 0; i < size; i++) inverse.set(i, i, 1);

  for (let col = 0; col < size; col++) {
    let pivot = col;
    while (pivot < size && work.get(pivot, col) === 0) pivot++;
    if (pivot === size) throw new RangeError('matrix is singular');
    if (pivot !== col) {
      swapRows(work, pivot, col);
      swapRows(inverse, pivot, col);
    }
    const scale = gfInverse(work.get(col, col));
    scaleRow(work, col, scale);
    scaleRow(inverse, col, scale);
    for (let r = 0; r < size; r++) {
      const factor = work.get(r, col);
      if (r === col || factor === 0) continue;
      addScaledRow(work, r, col, factor);
      addScaledRow(inverse, r, col, factor);
    }
  }
  return inverse;
}

function swapRows(m: GfMatrix, a: number, b: number): void {
  const tmp = m.row(a).slice();
  m.data.copyWithin(a * m.cols, b * m.cols, (b + 1) * m.cols);
  m.data.set(tmp, b * m.cols);
}

function scaleRow(m: GfMatrix, r: number, factor: number): void {
  const row = m.row(r);
  for (let c = 0; c < row.length; c++) row[c] = gfMul(row[c]!, factor);
}

/** row[target] ⊕= factor · row[source] */
function addScaledRow(m: GfMatrix, target: number, source: number, factor: number): void {
  const t = m.row(target);
  const s = m.row(source);
  for (let c = 0; c < t.length; c++) t[c] = t[c]! ^ gfMul(s[c]!, factor);
}

/**
 * A small LRU of matrices by key. Decode matrices are kept per erasure pattern: a degraded read decodes
 * every segment of a file with the same blocks missing, so the inversion is paid once per file, not once
 * per segment.
 */
export class MatrixCache {
  private readonly entries = new Map<string, GfMatrix>();

  constructor(private readonly capacity: number) {}

  getOrCreate(key: string, create: () => GfMatrix): GfMatrix {
    const hit = this.entries.get(key);
    if (hit) {
      // Map iteration order is insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const created = create();
    this.entries.set(key, created);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return created;
  }

  get size(): number {
    return this.entries.size;
  }
}
