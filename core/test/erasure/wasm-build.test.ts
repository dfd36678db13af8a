import { describe, expect, it } from 'vitest';
import { GF256_SIMD_WASM_BASE64 } from '../../src/erasure/gf256-simd.wasm.js';
// The build script is plain .mjs without type declarations: import it by URL and state its shape.
const buildScript = new URL('../../scripts/build-wasm.mjs', import.meta.url).href;
const { compileKernel } = (await import(buildScript)) as { compileKernel: () => Promise<Uint8Array> };

describe('gf256-simd.wasm.ts', () => {
  it('is up to date with gf256-simd.wat (run `npm run wasm` after editing the .wat)', async () => {
    const compiled = await compileKernel();
    const checkedIn = new Uint8Array(Buffer.from(GF256_SIMD_WASM_BASE64, 'base64'));
    expect(checkedIn.length).toBe(compiled.length);
    expect(Buffer.compare(checkedIn, compiled)).toBe(0);
  });
});
