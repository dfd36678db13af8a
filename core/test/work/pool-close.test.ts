// Closing the worker pool while tasks run (a gateway stopping during a download's readahead)
// must settle those tasks and raise nothing afterwards.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSegmentWork } from '../../src/work/pool.js';

describe('the segment worker pool', () => {
  it('closes with tasks in flight: they settle, and nothing is thrown later', async () => {
    const errors: unknown[] = [];
    const onError = (error: unknown): void => {
      errors.push(error);
    };
    process.on('uncaughtException', onError);
    try {
      for (let round = 0; round < 20; round++) {
        const work = createSegmentWork(2);
        const tasks = Array.from({ length: 32 }, () =>
          work.hashBlocks([new Uint8Array(randomBytes(256 * 1024))]),
        );
        await tasks[0];
        const settled = Promise.allSettled(tasks);
        await work.close();
        const outcomes = await settled;
        expect(outcomes.every((o) => o.status === 'fulfilled' || o.reason instanceof Error)).toBe(true);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toEqual([]);
  });
});
