import { writeNibbleTables } from './gf256.js';
import { GF256_SIMD_WASM_BASE64 } from './gf256-simd.wasm.js';
import type { CodingWorkspace, GfMatrix, MatrixKernel } from './matrix.js';
import { copyBytes } from '../util/shared-copy.js';

// @types/node declares no WebAssembly namespace (it lives in the DOM lib, which core must not load), so
// the little of the API used here is typed by hand.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

/** What gf256-simd.wat exports. */
interface SimdExports {
  readonly memory: WasmMemory;
  readonly multiply: (
    tables: number,
    inputs: number,
    k: number,
    outputs: number,
    m: number,
    stride: number,
    len: number,
  ) => void;
}

const PAGE = 65536;
/** Bytes of each block handled per kernel call: the k inputs and m outputs of one window together stay
 *  around 256 KiB, so what the wrapper copies in is still in cache when the kernel reads it. */
const WINDOW_BUDGET = 256 * 1024;
const MIN_WINDOW = 4096;
const MAX_WINDOW = 65536;
/** Extra bytes between blocks, so that blocks are never an exact multiple of 4 KiB apart (with 64 KiB
 *  windows they would be): 4 KiB aliasing makes a load wait on an unrelated store to another block. */
const STRIDE_SKEW = 64;

/** Compiled synchronously (fine in Node, on any thread), so a worker gets its own instance and memory. */
function instantiate(): SimdExports | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return null;
  try {
    const module = new wasm.Module(Buffer.from(GF256_SIMD_WASM_BASE64, 'base64'));
    return new wasm.Instance(module, {}).exports as SimdExports;
  } catch {
    // A runtime without WebAssembly SIMD refuses to compile the module (CompileError).
    return null;
  }
}

/**
 * The split-nibble tables of a matrix, in the order gf256-simd.wat reads them: rows in groups of four
 * (the last group holds the 1–3 rows left), and inside a group [column][row] with 32 bytes (LO, HI) each.
 */
const tablesByMatrix = new WeakMap<GfMatrix, Uint8Array>();

function nibbleTables(matrix: GfMatrix): Uint8Array {
  let tables = tablesByMatrix.get(matrix);
  if (!tables) {
    const { rows, cols } = matrix;
    tables = new Uint8Array(rows * cols * 32);
    let offset = 0;
    for (let first = 0; first < rows; first += 4) {
      const groupRows = Math.min(4, rows - first);
      for (let j = 0; j < cols; j++) {
        for (let t = 0; t < groupRows; t++) {
          writeNibbleTables(matrix.get(first + t, j), tables, offset);
          offset += 32;
        }
      }
    }
    tablesByMatrix.set(matrix, tables);
  }
  return tables;
}

const roundUp = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

/**
 * The wasm SIMD kernel: one per thread, because it owns the thread's module instance and its memory.
 * Memory layout of one call, from address 0:
 *   [nibble tables][k input windows][m output windows], each window `stride` bytes apart.
 * Blocks longer than a window are processed window by window, so memory stays small (under ~2 MiB even
 * for 256 blocks, since k + m ≤ n ≤ 256) and is grown only when a call needs more than any before it;
 * nothing is allocated in wasm memory per call. Tails: the last window of a block is zero-padded up to a
 * multiple of 16 in wasm memory and only the real bytes are copied out, so the kernel never sees a tail.
 * Returns null when WebAssembly SIMD is unavailable.
 */
export function wasmSimdKernel(): MatrixKernel | null {
  if (threadKernel === undefined) {
    const exports = instantiate();
    threadKernel = exports ? createKernel(exports) : null;
  }
  return threadKernel;
}

let threadKernel: MatrixKernel | null | undefined;

function createKernel({ memory, multiply }: SimdExports): MatrixKernel {
  let heap = new Uint8Array(memory.buffer);
  /** The tables the last call left at address 0, so a run of calls with one matrix copies them once. */
  let loadedTables: Uint8Array | undefined;
  let lastWorkspace:
    { matrix: GfMatrix; blockLength: number; heap: Uint8Array; space: CodingWorkspace } | undefined;

  const loadTables = (tables: Uint8Array): void => {
    if (loadedTables === tables) return;
    heap.set(tables, 0);
    loadedTables = tables;
  };

  const reserve = (bytes: number): void => {
    if (bytes <= heap.byteLength) return;
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
    // Growing detaches the old ArrayBuffer (its views read as empty); the view must follow.
    heap = new Uint8Array(memory.buffer);
  };

  return {
    name: 'wasm-simd',
    apply(matrix: GfMatrix, inputs: readonly Uint8Array[], into?: readonly Uint8Array[]): Uint8Array[] {
      const { rows: m, cols: k } = matrix;
      const len = inputs[0]?.length ?? 0;
      const outputs = into ? [...into] : Array.from({ length: m }, () => new Uint8Array(len));
      if (len === 0 || m === 0) return outputs;

      const tables = nibbleTables(matrix);
      const budget = Math.floor(WINDOW_BUDGET / (k + m) / 64) * 64;
      const window = Math.min(roundUp(len, 16), Math.max(MIN_WINDOW, Math.min(MAX_WINDOW, budget)));
      const stride = roundUp(window, 64) + STRIDE_SKEW;
      const inputBase = roundUp(tables.length, 64);
      const outputBase = inputBase + k * stride;
      reserve(outputBase + m * stride);
      loadTables(tables);

      for (let pos = 0; pos < len; pos += window) {
        const n = Math.min(window, len - pos);
        const padded = roundUp(n, 16);
        for (let j = 0; j < k; j++) {
          const at = inputBase + j * stride;
          const input = inputs[j]!;
          copyBytes(heap, n === len ? input : input.subarray(pos, pos + n), at);
          if (padded > n) heap.fill(0, at + n, at + padded);
        }
        multiply(0, inputBase, k, outputBase, m, stride, padded);
        for (let r = 0; r < m; r++) {
          const at = outputBase + r * stride;
          copyBytes(outputs[r]!, heap.subarray(at, at + n), pos);
        }
      }
      return outputs;
    },

    /**
     * Whole blocks in wasm memory, after the tables: [tables][k inputs][m outputs], `stride` apart.
     * No windows here: the kernel itself walks 4 KiB chunks, and what it reads was just written
     * by the caller. The kernel works on lengths rounded up to 16; the bytes past a block's end
     * (inside its stride) may hold anything, as each output byte depends on the input bytes at
     * its own position only.
     */
    workspace(matrix: GfMatrix, blockLength: number): CodingWorkspace {
      const { rows: m, cols: k } = matrix;
      const tables = nibbleTables(matrix);
      const base = roundUp(tables.length, 64);
      // Block i lies at the same address modulo 8 as at i × blockLength from an aligned start (a
      // slot's block area), so copying the blocks there goes word by word (see copyBytes).
      const stride = roundUp(blockLength, 64) + STRIDE_SKEW + (blockLength % 8);
      // Room first (the tables alone may not fit yet), then the tables, loaded now and not only
      // in apply: the caller is about to write the blocks, which start where these tables end
      // but may lie over the end of longer tables an earlier call left there (the next call with
      // those would take them as still loaded).
      reserve(base + (k + m) * stride);
      loadTables(tables);
      if (
        lastWorkspace?.matrix === matrix &&
        lastWorkspace.blockLength === blockLength &&
        lastWorkspace.heap === heap
      )
        return lastWorkspace.space;
      const view = heap;
      const blocks = Array.from({ length: k + m }, (_, i) =>
        view.subarray(base + i * stride, base + i * stride + blockLength),
      );
      const space: CodingWorkspace = {
        blocks,
        apply: () => {
          if (heap !== view) throw new Error('erasure workspace used after the kernel memory moved');
          if (m === 0 || blockLength === 0) return;
          loadTables(tables);
          multiply(0, base, k, base + k * stride, m, stride, roundUp(blockLength, 16));
        },
      };
      lastWorkspace = { matrix, blockLength, heap: view, space };
      return space;
    },
  };
}
