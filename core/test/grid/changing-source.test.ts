import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileSource, SourceChangedError } from '../../src/util/byte-source.js';
import { makeGrid, patternBytes, type TestGrid } from './make-grid.js';

let dir: string;
let current: TestGrid | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grid-changing-'));
});
afterEach(async () => {
  await current?.grid.close();
  current = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function storedShares(t: TestGrid): Promise<number> {
  let count = 0;
  for (const node of t.nodes)
    for await (const si of node.listStorageIndexes()) count += (await node.listShares(si)).length;
  return count;
}

// Coded on worker threads or inline: either way a file that changes under its put fails it
// clearly, and no share of it stays behind.
describe.each([
  ['worker threads', 2],
  ['inline', 0],
])('a file that changes during its put (%s)', (_how, threads) => {
  const MiB = 1024 * 1024;

  it('fails the put when the file shrinks, and stores nothing', async () => {
    current = makeGrid({ threads });
    const path = join(dir, 'source');
    await writeFile(path, patternBytes(8 * MiB + 5));
    let cut = false;
    const put = current.grid.upload(await fileSource(path), {
      key: 'random',
      onProgress: (done) => {
        if (done > 0 && !cut) {
          cut = true;
          void truncate(path, 2 * MiB);
        }
      },
    });
    await expect(put).rejects.toThrow(/changed while it was read/);
    expect(await storedShares(current)).toBe(0);
  });

  it.each(['random', 'convergent'] as const)(
    'fails the put when the file was cut short before it is read (%s key)',
    async (kind) => {
      // With workers, each reads its segments (and its convergence chunks) from the file itself:
      // a short read fails the put. Three whole segments (of 1 MiB − 1): every one is read by a
      // worker, none on this thread.
      current = makeGrid({ threads });
      const path = join(dir, 'source');
      await writeFile(path, patternBytes(3 * (MiB - 1)));
      const source = await fileSource(path);
      await truncate(path, MiB + 7);
      const key = kind === 'random' ? 'random' : { convergenceSecret: current.secret };
      const failure = await current.grid.upload(source, { key }).catch((error: unknown) => error);
      // The same class and message however far the workers got, from whichever thread noticed.
      expect(failure).toBeInstanceOf(SourceChangedError);
      expect((failure as Error).message).toMatch(/changed while it was read \(expected 3145725 bytes/);
      expect(await storedShares(current)).toBe(0);
    },
  );

  it('fails the put when the file grows, and stores nothing', async () => {
    current = makeGrid({ threads });
    const path = join(dir, 'source');
    await writeFile(path, patternBytes(3 * MiB + 5));
    const source = await fileSource(path);
    await appendFile(path, 'more');
    await expect(current.grid.upload(source, { key: 'random' })).rejects.toThrow(/changed while it was read/);
    expect(await storedShares(current)).toBe(0);
  });
});
