import { afterAll, describe, expect, it } from 'vitest';

// Set before the first import of crypto/blake3.ts, which picks its implementation when it loads
// (this file's modules are its own: vitest isolates test files). Worker threads started below
// inherit the variable, so the whole pipeline hashes with WebAssembly.
process.env['GRID_SFTP_BLAKE3'] = 'wasm';
afterAll(() => {
  delete process.env['GRID_SFTP_BLAKE3'];
});

const { blake3 } = await import('../../src/crypto/blake3.js');
const { committedVectors, computeVectors } = await import('./golden-vectors.js');
const { formatCap } = await import('../../src/caps/text.js');
const { makeGrid, patternBytes, sha256 } = await import('../grid/make-grid.js');

describe('golden vectors with the WebAssembly BLAKE3 (platforms without the native addon)', () => {
  it('hashes with WebAssembly here', () => {
    expect(blake3.name).toBe('wasm');
  });

  it('derives every key and cap string exactly as committed with the native addon', async () => {
    expect(await computeVectors()).toEqual(committedVectors());
  });

  it('uploads on worker threads to the committed cap, and reads the bytes back', async () => {
    const t = makeGrid({ threads: 2 });
    try {
      const data = patternBytes(2_500_000, 3);
      const secret = Uint8Array.from({ length: 32 }, (_, i) => (100 + i) & 0xff);
      const { cap } = await t.grid.uploadBytes(data, { key: { convergenceSecret: secret } });
      expect(formatCap(cap)).toBe(committedVectors()['upload.convergent.3of5.2500000']);
      expect(sha256(await t.grid.readAll(cap))).toBe(sha256(data));
    } finally {
      await t.grid.close();
    }
  });
});
