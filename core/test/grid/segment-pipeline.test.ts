import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { GridContext } from '../../src/grid/context.js';
import type { EncodeIntoInput, SegmentHashes } from '../../src/immutable/segment-codec.js';
import { SegmentPipeline } from '../../src/immutable/segment-pipeline.js';
import { ShareFanout } from '../../src/immutable/share-writers.js';
import { MemoryNode } from '../../src/storage/memory-node.js';
import { SlotPool } from '../../src/util/slot-pool.js';
import { createSegmentWork } from '../../src/work/pool.js';

describe('SegmentPipeline after a coding failure', () => {
  it('gives no slot to another pool while a worker still codes into it', async () => {
    let calls = 0;
    const work = {
      ...createSegmentWork(0),
      async encodeInto(input: EncodeIntoInput): Promise<SegmentHashes> {
        if (calls++ === 0) throw new Error('worker died'); // segment 0
        await sleep(50); // segment 1: its worker is still busy...
        input.output.fill(0xee); // ...and writes its blocks into the slot
        return { segmentHash: new Uint8Array(32), blockHashes: new Uint8Array(32 * 5) };
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
    const pipeline = new SegmentPipeline(ctx, fanout, {
      aesKey: new Uint8Array(32),
      k: 3,
      n: 5,
      segmentSize,
      depth: 2,
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
