import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReedSolomon } from '../../src/erasure/index.js';

// Segments are encoded in worker threads, so the wasm module must compile synchronously there too.
// A worker thread cannot load TypeScript through vitest, so the module's sources (and the one
// helper they import from outside the folder) are transpiled to a temporary directory first, in
// the same layout, and the worker imports that.
const sourceRoot = fileURLToPath(new URL('../../src/', import.meta.url));
let outDir = '';

async function transpileInto(folder: string, only?: string): Promise<void> {
  await mkdir(join(outDir, folder), { recursive: true });
  for (const name of await readdir(join(sourceRoot, folder))) {
    if (!name.endsWith('.ts') || (only !== undefined && name !== only)) continue;
    const { outputText } = ts.transpileModule(await readFile(join(sourceRoot, folder, name), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await writeFile(join(outDir, folder, name.replace(/\.ts$/, '.js')), outputText);
  }
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'erasure-worker-'));
  await writeFile(join(outDir, 'package.json'), '{ "type": "module" }');
  await transpileInto('erasure');
  await transpileInto('util', 'shared-copy.ts');
});

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.entry).then(({ createReedSolomon }) => {
  const rs = createReedSolomon(3, 5);
  const data = workerData.data;
  const parity = rs.encode(data);
  const rebuilt = rs.reconstruct([undefined, data[1], undefined, parity[0], parity[1]], [0, 2]);
  parentPort.postMessage({ kernel: rs.kernel, parity, rebuilt });
});
`;

interface WorkerResult {
  kernel: string;
  parity: Uint8Array[];
  rebuilt: Uint8Array[];
}

describe('in a worker thread', () => {
  it('encodes and reconstructs with the wasm-simd kernel', async () => {
    const data = [0, 1, 2].map((j) => Uint8Array.from({ length: 1000 }, (_, i) => (i * 13 + j * 101) & 0xff));
    const entry = pathToFileURL(join(outDir, 'erasure', 'index.js')).href;
    const worker = new Worker(workerSource, { eval: true, workerData: { entry, data } });
    try {
      const result = await new Promise<WorkerResult>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before answering`)));
      });
      expect(result.kernel).toBe('wasm-simd');
      const expected = createReedSolomon(3, 5, { kernel: 'js' }).encode(data);
      expect(result.parity.map((b) => [...b])).toEqual(expected.map((b) => [...b]));
      expect(result.rebuilt.map((b) => [...b])).toEqual([data[0]!, data[2]!].map((b) => [...b]));
    } finally {
      await worker.terminate();
    }
  });
});
