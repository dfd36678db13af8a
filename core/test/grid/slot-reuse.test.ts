import { afterEach, describe, expect, it } from 'vitest';
import { makeGrid, patternBytes, sha256, type TestGrid } from './make-grid.js';

const Real = globalThis.SharedArrayBuffer;
let allocated = 0;
let current: TestGrid | undefined;

/** From here on, counts the SharedArrayBuffers made (the slots' memory). */
function countAllocations(): void {
  globalThis.SharedArrayBuffer = class extends Real {
    constructor(...args: ConstructorParameters<typeof Real>) {
      super(...args);
      allocated++;
    }
  };
}

afterEach(async () => {
  globalThis.SharedArrayBuffer = Real;
  await current?.grid.close();
  current = undefined;
});

describe('slot reuse', () => {
  it('lets later uploads reuse the slots of earlier ones instead of allocating shared memory', async () => {
    countAllocations();
    current = makeGrid();
    const t = current;
    const upload = (seed: number) =>
      t.grid.uploadBytes(patternBytes(3 * 1024 * 1024 + 5, seed), { key: { convergenceSecret: t.secret } });
    await upload(1); // the first allocates its slots (and the slots of its convergence pass)
    const before = allocated;
    const caps = [await upload(2), await upload(3)];
    expect(allocated).toBe(before);
    expect(sha256(await t.grid.readAll(caps[1]!.cap))).toBe(sha256(patternBytes(3 * 1024 * 1024 + 5, 3)));
  });

  it("still reuses a big upload's slots after a dozen small uploads of all sizes", async () => {
    current = makeGrid();
    const t = current;
    const big = (seed: number) =>
      t.grid.uploadBytes(patternBytes(3 * 1024 * 1024 + 5, seed), { key: 'random' });
    // Sizes more than 1.5x apart: no pool can use another's slots.
    for (let i = 0, size = 1000; i < 12; i++, size = Math.ceil(size * 1.6)) {
      await t.grid.uploadBytes(patternBytes(size, i), { key: 'random' });
    }
    await big(1);
    countAllocations();
    const before = allocated;
    await big(2);
    await big(3);
    expect(allocated).toBe(before);
  });

  it('does the same for streamed uploads, finished or aborted', async () => {
    current = makeGrid();
    const t = current;
    const stream = async (seed: number, end: 'finish' | 'abort') => {
      const upload = await t.grid.startStreamingUpload();
      if (upload === undefined) throw new Error('in-memory nodes write in place');
      await upload.append(patternBytes(3 * 1024 * 1024 + 5, seed));
      if (end === 'finish') return (await upload.finish()).cap;
      await upload.abort();
      return undefined;
    };
    await stream(1, 'finish');
    countAllocations();
    const before = allocated;
    await stream(2, 'abort');
    const cap = await stream(3, 'finish');
    await stream(4, 'finish');
    expect(allocated).toBe(before);
    expect(sha256(await t.grid.readAll(cap!))).toBe(sha256(patternBytes(3 * 1024 * 1024 + 5, 3)));
  });
});
