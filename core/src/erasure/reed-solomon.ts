import { jsKernel } from './js-kernel.js';
import { buildEncodingMatrix, invertMatrix, MatrixCache } from './matrix.js';
import type { CodingWorkspace, GfMatrix, MatrixKernel } from './matrix.js';
import { wasmSimdKernel } from './wasm-kernel.js';

export type ErasureKernelName = 'wasm-simd' | 'js';

export interface ReedSolomon {
  readonly k: number;
  readonly n: number;
  readonly kernel: ErasureKernelName;
  /** The k data blocks (all the same length) → the n−k parity blocks (new Uint8Arrays, same length),
   *  or written into `parity` when given (n−k buffers of the data length, e.g. views of a shared slot). */
  encode(data: readonly Uint8Array[], parity?: readonly Uint8Array[]): Uint8Array[];
  /** `blocks` has length n, undefined where a block is missing; present blocks share one length.
   *  Returns the blocks at the `wanted` indices (data or parity, in the order asked), rebuilding
   *  what is missing from any k present blocks. Throws ErasureError when fewer than k are present
   *  or lengths disagree. Present blocks that are wanted are returned as they are (may be the same object). */
  reconstruct(blocks: ReadonlyArray<Uint8Array | undefined>, wanted: readonly number[]): Uint8Array[];
  /**
   * A segment's n blocks of `blockSize` bytes where parity is computed without copying (for
   * wasm-simd, the kernel's own memory): fill the k data blocks, then `apply()` fills the n−k
   * parity blocks. Valid until the next call on any codec of this thread.
   */
  encodingWorkspace(blockSize: number): CodingWorkspace;
}

/** The blocks handed in cannot be encoded or decoded: too few, wrong count, or lengths that disagree. */
export class ErasureError extends Error {
  override readonly name = 'ErasureError';
}

const MAX_N = 256;

/** Throws RangeError unless 1 ≤ k ≤ n ≤ 256 (integers). Default kernel: wasm-simd when available, else js. */
export function createReedSolomon(
  k: number,
  n: number,
  options?: { kernel?: ErasureKernelName },
): ReedSolomon {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || k > n || n > MAX_N) {
    throw new RangeError(`Reed-Solomon needs integers 1 ≤ k ≤ n ≤ ${MAX_N}, got k=${k}, n=${n}`);
  }
  return new ReedSolomonCodec(k, n, pickKernel(options?.kernel));
}

/** The kernels this runtime can run, fastest first. */
export function availableErasureKernels(): ErasureKernelName[] {
  return wasmSimdKernel() ? ['wasm-simd', 'js'] : ['js'];
}

function pickKernel(name: ErasureKernelName | undefined): MatrixKernel {
  switch (name) {
    case undefined:
      return wasmSimdKernel() ?? jsKernel;
    case 'js':
      return jsKernel;
    case 'wasm-simd': {
      const kernel = wasmSimdKernel();
      if (!kernel)
        throw new Error('the wasm-simd erasure kernel needs WebAssembly SIMD, which is unavailable');
      return kernel;
    }
    default:
      throw new RangeError(`unknown erasure kernel: ${String(name)}`);
  }
}

// Shared by every codec on the thread: callers may well create a codec per file or per segment.
const encodingMatrices = new MatrixCache(16);
const decodeMatrices = new MatrixCache(64);

class ReedSolomonCodec implements ReedSolomon {
  private readonly generator: GfMatrix;
  private readonly parity: GfMatrix;

  constructor(
    readonly k: number,
    readonly n: number,
    private readonly impl: MatrixKernel,
  ) {
    this.generator = encodingMatrices.getOrCreate(`${k}/${n}`, () => buildEncodingMatrix(k, n));
    this.parity = encodingMatrices.getOrCreate(`${k}/${n} parity`, () =>
      this.generator.selectRows(range(k, n)),
    );
  }

  get kernel(): ErasureKernelName {
    return this.impl.name;
  }

  encode(data: readonly Uint8Array[], parity?: readonly Uint8Array[]): Uint8Array[] {
    if (data.length !== this.k) {
      throw new ErasureError(`encode needs ${this.k} data blocks, got ${data.length}`);
    }
    commonLength(data);
    if (parity !== undefined) {
      if (parity.length !== this.n - this.k)
        throw new ErasureError(`encode needs ${this.n - this.k} parity buffers`);
      commonLength([...data.slice(0, 1), ...parity]);
    }
    if (this.n === this.k) return [];
    return this.impl.apply(this.parity, data, parity);
  }

  encodingWorkspace(blockSize: number): CodingWorkspace {
    if (!Number.isSafeInteger(blockSize) || blockSize < 0)
      throw new RangeError(`bad block size ${blockSize}`);
    return this.impl.workspace(this.parity, blockSize);
  }

  reconstruct(blocks: ReadonlyArray<Uint8Array | undefined>, wanted: readonly number[]): Uint8Array[] {
    const { k, n } = this;
    if (blocks.length !== n) throw new ErasureError(`expected ${n} block slots, got ${blocks.length}`);
    for (const index of wanted) {
      if (!Number.isInteger(index) || index < 0 || index >= n) {
        throw new RangeError(`wanted block index ${index} is outside 0..${n - 1}`);
      }
    }
    const present: number[] = [];
    blocks.forEach((block, index) => {
      if (block !== undefined) present.push(index);
    });
    if (present.length < k) {
      throw new ErasureError(`need ${k} of ${n} blocks to reconstruct, only ${present.length} present`);
    }
    commonLength(present.map((index) => blocks[index]!));

    const missing = [...new Set(wanted.filter((index) => blocks[index] === undefined))];
    const rebuilt = new Map<number, Uint8Array>();
    if (missing.length > 0) {
      // Any k present blocks will do, since every k rows of the generator are invertible: take the first k.
      const sources = present.slice(0, k);
      const matrix = decodeMatrices.getOrCreate(`${k}/${n}:${sources.join(',')}>${missing.join(',')}`, () =>
        this.generator.selectRows(missing).multiply(invertMatrix(this.generator.selectRows(sources))),
      );
      const outputs = this.impl.apply(
        matrix,
        sources.map((index) => blocks[index]!),
      );
      missing.forEach((index, i) => rebuilt.set(index, outputs[i]!));
    }
    return wanted.map((index) => blocks[index] ?? rebuilt.get(index)!);
  }
}

function commonLength(blocks: readonly Uint8Array[]): void {
  const length = blocks[0]?.length;
  for (const block of blocks) {
    if (block.length !== length) {
      throw new ErasureError(`blocks differ in length (${length} and ${block.length} bytes)`);
    }
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
