import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { chkStorageIndex } from '../../src/caps/derive.js';
import { NotEnoughSharesError } from '../../src/grid/context.js';
import { paramsFor } from '../../src/immutable/params.js';
import { chkLayout } from '../../src/immutable/share-layout.js';
import { base32Encode } from '../../src/util/base32.js';
import { makeGrid, patternBytes, sha256, type TestGrid } from './make-grid.js';

let current: TestGrid | undefined;
afterEach(async () => {
  await current?.grid.close();
  current = undefined;
});

async function uploaded(size: number, options: Parameters<typeof makeGrid>[0] = {}) {
  current = makeGrid(options);
  const data = patternBytes(size, size);
  const { cap } = await current.grid.uploadBytes(data, { key: 'random' });
  if (cap.kind !== 'chk-read') throw new Error('expected a CHK cap');
  return { t: current, data, cap, si: base32Encode(chkStorageIndex(cap.key)) };
}

async function holderOf(t: TestGrid, si: string, shnum: number) {
  for (const node of t.nodes) if ((await node.listShares(si)).some((s) => s.shnum === shnum)) return node;
  throw new Error(`share ${shnum} not found`);
}

describe('faults', () => {
  it.each([0, 2])(
    "zero-pads the last segment's data blocks, whatever the coding memory held (%i threads)",
    async (threads) => {
      // 100 bytes in the last segment: blocks of 34, so block 2 holds 32 bytes and 2 of padding,
      // which lie where the earlier segments' ciphertext was coded.
      const size = 9100;
      const { t, si } = await uploaded(size, { maxSegmentSize: 3000, threads });
      const params = paramsFor(size, 3, 5, 3000);
      const offset = chkLayout(params).blockOffset(params.numSegments - 1);
      const block = await (await holderOf(t, si, 2)).readShare(si, 2, offset, params.tailBlockSize);
      expect(params.tailBlockSize).toBe(34);
      expect([...block.subarray(32)]).toEqual([0, 0]);
    },
  );

  it('detects any corrupted byte of a share, reads correctly anyway, and repair heals it', async () => {
    const { t, data, cap, si } = await uploaded(9000, { maxSegmentSize: 3000 });
    const shareSize = (await (t.nodes[0] as NonNullable<(typeof t.nodes)[0]>).listShares(si))[0]?.size ?? 0;
    expect(shareSize).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: shareSize - 1 }),
        async (shnum, offset) => {
          const node = await holderOf(t, si, shnum);
          await node.corruptByte(si, shnum, offset);
          const reader = await t.grid.openFile(cap);
          const back: Uint8Array[] = [];
          for await (const part of reader.stream()) back.push(part);
          expect(sha256(Buffer.concat(back))).toBe(sha256(data));
          const verify = await t.grid.verify(cap);
          expect(verify.intact).toBe(false);
          expect(verify.shares.find((s) => s.shnum === shnum)?.ok).toBe(false);
          const repair = await t.grid.repair(cap);
          expect(repair.after.intact).toBe(true);
          expect(repair.regenerated.map((r) => r.shnum)).toEqual([shnum]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reports which share was skipped while reading past a corrupt block', async () => {
    const { t, data, cap, si } = await uploaded(9000, { maxSegmentSize: 3000 });
    const node = await holderOf(t, si, 0);
    await node.corruptByte(si, 0, 64 + 1500); // inside the second block of share 0
    const reader = await t.grid.openFile(cap);
    expect(sha256(await reader.read(0, 9000))).toBe(sha256(data));
    const problems = (reader as unknown as { problems: Array<{ shnum: number; reason: string }> }).problems;
    expect(problems).toEqual([expect.objectContaining({ shnum: 0, reason: 'corrupt block in segment 1' })]);
  });

  it('loses nothing when n−k nodes are gone, and fails clearly (never wrong bytes) below k', async () => {
    const { t, data, cap } = await uploaded(200_000);
    t.nodes[0]!.offline = true;
    t.nodes[3]!.offline = true;
    expect(sha256(await t.grid.readAll(cap))).toBe(sha256(data));
    t.nodes[4]!.offline = true;
    await expect(t.grid.readAll(cap)).rejects.toThrow(NotEnoughSharesError);
    await expect(t.grid.readAll(cap)).rejects.toThrow(/not enough shares/);
  });

  // The reader decodes in place: parity blocks sit where missing data blocks would, and a short
  // last segment's blocks lie a full block apart (segment-codec.ts, decodeSegmentInto).
  it.each([0, 2])(
    'rebuilds every segment, the short last one too, from parity in place of data shares (%i worker threads)',
    async (threads) => {
      // Segments of 60,000 bytes (coded on the workers, past the inline limit) and a last one of 30,001.
      const { t, data, cap, si } = await uploaded(150_001, { maxSegmentSize: 60_000, threads });
      const holders = await Promise.all([0, 1, 2].map((shnum) => holderOf(t, si, shnum)));
      for (const missing of [[0], [1, 2], [0, 2]]) {
        for (const node of t.nodes) node.offline = false;
        for (const shnum of missing) holders[shnum]!.offline = true;
        expect(sha256(await t.grid.readAll(cap))).toBe(sha256(data));
        const reader = await t.grid.openFile(cap);
        expect(sha256(await reader.read(100_000, 50_001))).toBe(sha256(data.subarray(100_000)));
      }
    },
  );

  it('reports a node that fails with several writes in flight once, and the file reads back', async () => {
    current = makeGrid();
    const t = current;
    const slow = t.nodes[1] as (typeof t.nodes)[number];
    slow.delayMs = 5; // its writes queue up behind each other (SegmentPipeline does not wait for them)
    const data = patternBytes(8 * 1024 * 1024, 9);
    const report = await t.grid.uploadBytes(data, {
      key: 'random',
      onProgress: (done) => {
        if (done >= 1024 * 1024) slow.throwOnWrite = true;
      },
    });
    expect(report.problems.filter((problem) => problem.nodeId === slow.id)).toHaveLength(1);
    expect(report.placements.map((placement) => placement.nodeId)).not.toContain(slow.id);
    slow.throwOnWrite = false;
    expect(sha256(await t.grid.readAll(report.cap))).toBe(sha256(data));
  });

  it('survives nodes that throw or return garbage', async () => {
    const { t, data, cap } = await uploaded(100_000);
    t.nodes[1]!.garbage = true;
    t.nodes[2]!.throwOnRead = true;
    expect(sha256(await t.grid.readAll(cap))).toBe(sha256(data));
    const verify = await t.grid.verify(cap);
    expect(verify.intact).toBe(false);
    expect(verify.recoverable).toBe(true);
  });

  it('fails with the reasons when every copy is garbage', async () => {
    const { t, cap } = await uploaded(100_000);
    for (const node of t.nodes.slice(0, 3)) node.garbage = true;
    const error = await t.grid.readAll(cap).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotEnoughSharesError);
    expect((error as NotEnoughSharesError).problems.length).toBeGreaterThanOrEqual(3);
  });

  it('repairs lost nodes onto the ones that remain, with only the verify cap', async () => {
    const { t, data, cap } = await uploaded(300_000);
    const lost = t.nodes[4]!;
    lost.offline = true;
    const { verifyCapOf } = await import('../../src/caps/derive.js');
    const verifyCap = verifyCapOf(cap);
    if (verifyCap === undefined || verifyCap.kind !== 'chk-verify') throw new Error('no verify cap');
    const repair = await t.grid.repair(verifyCap);
    expect(repair.regenerated.length).toBe(1);
    expect(repair.after.sharesFound).toBe(5);
    // Four nodes hold five shares now; losing the two holding one share each leaves three shares.
    const counts = repair.after.placements.reduce(
      (m, p) => m.set(p.nodeId, (m.get(p.nodeId) ?? 0) + 1),
      new Map<string, number>(),
    );
    const singles = t.nodes.filter((node) => counts.get(node.id) === 1).slice(0, 2);
    expect(singles.length).toBe(2);
    for (const node of singles) node.offline = true;
    expect(sha256(await t.grid.readAll(cap))).toBe(sha256(data));
  });
});
