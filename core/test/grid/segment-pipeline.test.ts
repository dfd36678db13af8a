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
import { createSegmentWork, type SegmentWork } from '../../src/work/pool.js';
import type { StorageNode } from '../../src/storage/node.js';

/** A 3-of-5 pipeline over `nodes` whose segment work is `work` (a stand-in for the workers). */
async function pipelineOver(
  nodes: readonly StorageNode[],
  work: SegmentWork,
  options: { seed: number; segmentSize: number; expectedShareBytes: number },
): Promise<{ fanout: ShareFanout; pipeline: SegmentPipeline }> {
  const ctx = {
    nodes,
    encoding: { k: 3, happy: 4, n: 5 },
    work,
    maxSegmentSize: 1 << 20,
  } as unknown as GridContext;
  const fanout = await ShareFanout.open(nodes, new Uint8Array(16).fill(options.seed), 5);
  const pipeline = await SegmentPipeline.open(ctx, fanout, {
    aesKey: new Uint8Array(32),
    k: 3,
    n: 5,
    segmentSize: options.segmentSize,
    depth: 2,
    expectedShareBytes: options.expectedShareBytes,
  });
  return { fanout, pipeline };
}

/** What a worker answers for a segment of 5 blocks (the hashes do not matter here). */
function coded(writeFailures: EncodedInto['writeFailures'] = []): EncodedInto {
  return { segmentHash: new Uint8Array(32), blockHashes: new Uint8Array(32 * 5), writeFailures };
}

describe('SegmentPipeline after a coding failure', () => {
  it('gives no slot to another pool while a worker still codes into it', async () => {
    let calls = 0;
    const work = {
      ...createSegmentWork(0),
      async encodeInto(input: EncodeIntoInput): Promise<EncodedInto> {
        if (calls++ === 0) throw new Error('worker died'); // segment 0
        await sleep(50); // segment 1: its worker is still busy...
        if ('memory' in input.output) input.output.memory.fill(0xee); // ...and writes its blocks into the slot
        return coded();
      },
    };
    const nodes = Array.from({ length: 5 }, (_, i) => new MemoryNode({ id: `n${i}` }));
    const segmentSize = 3 * 4099; // a slot size no other test uses
    const { pipeline } = await pipelineOver(nodes, work, {
      seed: 7,
      segmentSize,
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
        return Promise.resolve(coded(writeFailures));
      },
    };
    const segmentSize = 3 * 4096;
    const { fanout, pipeline } = await pipelineOver(nodes, work, {
      seed: 9,
      segmentSize,
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
