import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCap, parseCap } from '../../src/caps/text.js';
import { NotEnoughSharesError, UploadError } from '../../src/grid/context.js';
import { chunksOf } from '../../src/grid/file-reader.js';
import { fileSource } from '../../src/util/byte-source.js';
import { makeGrid, patternBytes, sha256, type TestGrid } from './make-grid.js';

const MiB = 1024 * 1024;
let current: TestGrid | undefined;
afterEach(async () => {
  await current?.grid.close();
  current = undefined;
});

function grid(options?: Parameters<typeof makeGrid>[0]): TestGrid {
  current = makeGrid(options);
  return current;
}

async function storedShares(t: TestGrid): Promise<number> {
  let count = 0;
  for (const node of t.nodes) for await (const _si of node.listStorageIndexes()) count++;
  return count;
}

describe('immutable files', () => {
  it('round-trips random sizes from 0 to 3 MiB across segment boundaries', async () => {
    const t = grid();
    const sizes = fc.oneof(
      fc.integer({ min: 0, max: 3 * MiB }),
      fc.constantFrom(0, 1, 55, 56, MiB - 1, MiB, MiB + 1, 2 * MiB - 1, 2 * MiB + 2, 3 * MiB),
    );
    await fc.assert(
      fc.asyncProperty(sizes, fc.integer({ min: 1, max: 1000 }), async (size, seed) => {
        const data = patternBytes(size, seed);
        const { cap } = await t.grid.uploadBytes(data, { key: 'random' });
        const back = await t.grid.readAll(parseCap(formatCap(cap)));
        expect(back.length).toBe(size);
        expect(sha256(back)).toBe(sha256(data));
      }),
      { numRuns: 14 },
    );
  });

  it('serves ranged reads that start and end anywhere', async () => {
    const t = grid({ maxSegmentSize: 4096 });
    const data = patternBytes(50_000);
    const { cap } = await t.grid.uploadBytes(data, { key: 'random' });
    const reader = await t.grid.openFile(cap);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 51_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        async (offset, length) => {
          const got = await reader.read(offset, length);
          expect(Buffer.from(got).equals(Buffer.from(data.subarray(offset, offset + length)))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives back its buffers when a reader stops early, again and again', async () => {
    const t = grid({ maxSegmentSize: 4096, threads: 2 });
    const data = patternBytes(100_000);
    const { cap } = await t.grid.uploadBytes(data, { key: 'random' });
    const reader = await t.grid.openFile(cap);
    for (let round = 0; round < 12; round++) {
      for await (const piece of reader.stream(round * 1000)) {
        expect(
          Buffer.from(piece.subarray(0, 10)).equals(
            Buffer.from(data.subarray(round * 1000, round * 1000 + 10)),
          ),
        ).toBe(true);
        break;
      }
    }
    const all: Uint8Array[] = [];
    for await (const piece of reader.stream()) all.push(piece);
    expect(sha256(Buffer.concat(all))).toBe(sha256(data));
  });

  it('hands out chunks as views of its decode slots, equal to the streamed bytes', async () => {
    const t = grid({ maxSegmentSize: 4096, threads: 2 });
    const data = patternBytes(50_000, 7);
    const { cap } = await t.grid.uploadBytes(data, { key: 'random' });
    const reader = await t.grid.openFile(cap);
    for (const [offset, length] of [
      [0, 50_000],
      [4095, 9000],
      [12_345, 1],
      [49_999, 10],
    ] as const) {
      const viewed: Buffer[] = [];
      for await (const chunk of chunksOf(reader, offset, length)) {
        // A view into shared decode memory, not a copy: valid until the next pull, so keep a copy.
        expect(chunk.buffer).toBeInstanceOf(SharedArrayBuffer);
        viewed.push(Buffer.from(chunk));
      }
      const streamed: Uint8Array[] = [];
      for await (const piece of reader.stream(offset, length)) {
        expect(piece.buffer).not.toBeInstanceOf(SharedArrayBuffer);
        streamed.push(piece);
      }
      const expected = Buffer.from(data.subarray(offset, offset + length));
      expect(Buffer.concat(viewed).equals(expected)).toBe(true);
      expect(Buffer.concat(streamed).equals(expected)).toBe(true);
    }
  });

  it('gives the same cap for the same content under one convergence secret, another under another', async () => {
    const t = grid();
    const data = patternBytes(100_000);
    const a = await t.grid.uploadBytes(data, { key: { convergenceSecret: t.secret } });
    const b = await t.grid.uploadBytes(data, { key: { convergenceSecret: t.secret } });
    const c = await t.grid.uploadBytes(data, { key: { convergenceSecret: new Uint8Array(32) } });
    expect(formatCap(a.cap)).toBe(formatCap(b.cap));
    expect(formatCap(c.cap)).not.toBe(formatCap(a.cap));
    const d = await t.grid.uploadBytes(data, { key: 'random' });
    expect(formatCap(d.cap)).not.toBe(formatCap(a.cap));
  });

  it('keeps files of 55 bytes or less in a LIT cap and stores nothing', async () => {
    const t = grid();
    for (const size of [0, 1, 20, 55]) {
      const data = patternBytes(size);
      const { cap } = await t.grid.uploadBytes(data, { key: { convergenceSecret: t.secret } });
      expect(cap.kind).toBe('lit');
      expect(sha256(await t.grid.readAll(cap))).toBe(sha256(data));
    }
    expect(await storedShares(t)).toBe(0);
    const { cap } = await t.grid.uploadBytes(patternBytes(56), { key: 'random' });
    expect(cap.kind).toBe('chk-read');
  });

  it('places shares on at least happy distinct nodes and refuses when it cannot', async () => {
    const t = grid();
    const report = await t.grid.uploadBytes(patternBytes(10_000), { key: 'random' });
    expect(report.happiness).toBeGreaterThanOrEqual(4);
    expect(new Set(report.placements.map((p) => p.nodeId)).size).toBe(5);

    (t.nodes[0] as { offline: boolean }).offline = true;
    const degraded = await t.grid.uploadBytes(patternBytes(10_000, 2), { key: 'random' });
    expect(degraded.happiness).toBe(4);
    expect(degraded.problems.length).toBeGreaterThan(0);

    (t.nodes[1] as { offline: boolean }).offline = true;
    await expect(t.grid.uploadBytes(patternBytes(10_000, 3), { key: 'random' })).rejects.toThrow(UploadError);
    await expect(t.grid.uploadBytes(patternBytes(10_000, 3), { key: 'random' })).rejects.toThrow(
      /reached only 3 distinct storage node\(s\) but 4 are required/,
    );
  });

  it('survives a node that dies in the middle of an upload while happy holds', async () => {
    const t = grid({ maxSegmentSize: 3000 });
    let writes = 0;
    const victim = t.nodes[2];
    if (victim === undefined) throw new Error('no node');
    const original = victim.createShare.bind(victim);
    victim.createShare = async (si, shnum) => {
      const writer = await original(si, shnum);
      return {
        ...writer,
        write: async (chunk) => {
          if (++writes > 3) throw new Error('disk unplugged');
          await writer.write(chunk);
        },
      };
    };
    const data = patternBytes(40_000);
    const report = await t.grid.uploadBytes(data, { key: 'random' });
    expect(report.problems.some((p) => p.reason.includes('disk unplugged'))).toBe(true);
    expect(sha256(await t.grid.readAll(report.cap))).toBe(sha256(data));
    const check = await t.grid.check(report.cap);
    expect(check.sharesFound).toBe(4);
    expect(check.healthy).toBe(false);
  });

  it.each([0, 2])(
    'codes a wide encoding, whose tables outgrow a fresh kernel (%i threads)',
    async (threads) => {
      // 246 parity rows × 10 columns × 32 bytes of tables: more than the wasm kernel's first page.
      const t = grid({ nodes: 10, k: 10, n: 256, happy: 10, threads });
      const data = patternBytes(200_000, 3);
      const { cap } = await t.grid.uploadBytes(data, { key: 'random' });
      expect(sha256(await t.grid.readAll(cap))).toBe(sha256(data));
    },
  );

  it('runs the same on worker threads as inline', async () => {
    const t = grid({ threads: 2 });
    const data = patternBytes(3 * MiB + 123);
    const { cap } = await t.grid.uploadBytes(data, { key: { convergenceSecret: t.secret } });
    expect(sha256(await t.grid.readAll(cap))).toBe(sha256(data));
    const inline = makeGrid({ threads: 0 });
    try {
      const again = await inline.grid.uploadBytes(data, { key: { convergenceSecret: t.secret } });
      expect(formatCap(again.cap)).toBe(formatCap(cap));
    } finally {
      await inline.grid.close();
    }
  });

  it('hashes a file for its convergent key on the workers, to the same cap as any other source', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'grid-conv-'));
    try {
      const data = patternBytes(5 * MiB + 77, 4);
      const path = join(dir, 'file.bin');
      await writeFile(path, data);
      const t = grid({ threads: 2 });
      const fromFile = await t.grid.upload(await fileSource(path), { key: { convergenceSecret: t.secret } });
      const fromBytes = await t.grid.uploadBytes(data, { key: { convergenceSecret: t.secret } });
      expect(formatCap(fromFile.cap)).toBe(formatCap(fromBytes.cap));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says clearly when nothing is stored for a cap', async () => {
    const t = grid();
    const other = makeGrid();
    try {
      const { cap } = await other.grid.uploadBytes(patternBytes(1000), { key: 'random' });
      await expect(t.grid.openFile(cap)).rejects.toThrow(NotEnoughSharesError);
      await expect(t.grid.openFile(cap)).rejects.toThrow(/no valid share found/);
    } finally {
      await other.grid.close();
    }
  });
});
