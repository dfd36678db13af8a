import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { GridContext } from '../../src/grid/context.js';
import type { EncodeIntoInput, EncodedInto } from '../../src/immutable/segment-codec.js';
import { SegmentPipeline } from '../../src/immutable/segment-pipeline.js';
import { ShareFanout } from '../../src/immutable/share-writers.js';
import { MemoryNode } from '../../src/storage/memory-node.js';
import { LocalDirectoryNode } from '../../src/storage/local-node.js';
import { SlotPool } from '../../src/util/slot-pool.js';
import { createSegmentWork } from '../../src/work/pool.js';

describe('SegmentPipeline after a coding failure', () => {
  it('gives no slot to another pool while a worker still codes into it', async () => {
    let calls = 0;
    const work = {
      ...createSegmentWork(0),
      async encodeInto(input: EncodeIntoInput): Promise<EncodedInto> {
        if (calls++ === 0) throw new Error('worker died'); // segment 0
        await sleep(50); // segment 1: its worker is still busy...
        if ('memory' in input.output) input.output.memory.fill(0xee); // ...and writes its blocks into the slot
        return { segmentHash: new Uint8Array(32), blockHashes: new Uint8Array(32 * 5), writeFailures: [] };
      },
    };
    const nodes = Array.from({ length: 5 }, (_, i) => new MemoryNode({ id: `n${i}` }));
    const ctx = {
      nodes,
      encoding: { k: 3, happy: 4, n: 5 },
      work,
      maxSegmentSize: 1 << 20,
    } as unknown as GridContext;
    const fanout = await ShareFanout.open(nodes, new Uint8Array(16).fill(7), 5);
    const segmentSize = 3 * 4099; // a slot size no other test uses
    const pipeline = await SegmentPipeline.open(ctx, fanout, {
      aesKey: new Uint8Array(32),
      k: 3,
      n: 5,
      segmentSize,
      depth: 2,
      expectedShareBytes: 2 * (segmentSize / 3),
    });
    for (let i = 0; i < 2; i++) pipeline.dispatch(await pipeline.acquire(), segmentSize);
    await pipeline.close(); // the upload gives up (streamShares' finally, StreamingUpload.abort)
    await expect(pipeline.drain()).rejects.toThrow(/worker died/);
    // The next upload or download takes the spare slots.
    const other = new SlotPool(pipeline['slots'].slotSize, 2);
    const slots = [await other.acquire(), await other.acquire()];
    for (const slot of slots) slot.fill(1); // its data
    await sleep(100);
    expect(slots.filter((slot) => slot.some((byte) => byte !== 1))).toHaveLength(0);
  });
});

describe('SegmentPipeline with lent share files (local nodes)', () => {
  it("fails the one share whose worker write failed, and gives later segments' workers only the others", async () => {
    const root = await mkdtemp(join(tmpdir(), 'grid-pipeline-'));
    const nodes = await Promise.all(
      Array.from({ length: 5 }, (_, i) => LocalDirectoryNode.create(join(root, `n${i}`))),
    );
    const targets: number[][] = [];
    const work = {
      ...createSegmentWork(0),
      encodeInto(input: EncodeIntoInput): Promise<EncodedInto> {
        if (!('files' in input.output)) throw new Error('local nodes lend their files');
        targets.push(input.output.files.map((file) => file.shnum).sort((a, b) => a - b));
        const writeFailures =
          targets.length === 1
            ? [{ shnum: 2, code: 'ENOSPC', message: 'ENOSPC: no space left on device' }]
            : [];
        return Promise.resolve({
          segmentHash: new Uint8Array(32),
          blockHashes: new Uint8Array(32 * 5),
          writeFailures,
        });
      },
    };
    const ctx = {
      nodes,
      encoding: { k: 3, happy: 4, n: 5 },
      work,
      maxSegmentSize: 1 << 20,
    } as unknown as GridContext;
    const fanout = await ShareFanout.open(nodes, new Uint8Array(16).fill(9), 5);
    const segmentSize = 3 * 4096;
    const pipeline = await SegmentPipeline.open(ctx, fanout, {
      aesKey: new Uint8Array(32),
      k: 3,
      n: 5,
      segmentSize,
      depth: 2,
      expectedShareBytes: 1 << 20,
    });
    try {
      pipeline.dispatch(await pipeline.acquire(), segmentSize);
      await pipeline.settle();
      pipeline.dispatch(await pipeline.acquire(), segmentSize);
      await pipeline.drain(); // 4 shares are still happy
      expect(targets).toEqual([
        [0, 1, 2, 3, 4],
        [0, 1, 3, 4],
      ]);
      const failed = fanout.shares.find((share) => share.shnum === 2);
      expect(failed?.failed).toBe(true);
      expect(fanout.problems).toEqual([
        { nodeId: failed?.node.id, shnum: 2, reason: `storage node ${failed?.node.id}: no space left` },
      ]);
      expect(pipeline.codedSegment(1)).toBeDefined();
    } finally {
      await pipeline.close();
      await fanout.abortAll();
      for (const node of nodes) await node.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
