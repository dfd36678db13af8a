// Group commit of directory changes (core/src/dirnode/change-queue.ts): which changes share a
// publish, and when a change waits for company.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeQueues, COALESCE_MS, type PendingChange } from '../../src/dirnode/change-queue.js';

/** A publish that records each batch's labels and finishes when the test says so. */
function publisher() {
  const batches: string[][] = [];
  const finishers: Array<() => void> = [];
  const publish = (batch: readonly PendingChange[]): Promise<void> => {
    batches.push(batch.map((item) => String(item.change(new Map()).result)));
    return new Promise<void>((resolve) =>
      finishers.push(() => {
        for (const item of batch) item.resolve(undefined);
        resolve();
      }),
    );
  };
  const finishAll = async (): Promise<void> => {
    for (const finish of finishers.splice(0)) finish();
    await vi.advanceTimersByTimeAsync(0);
  };
  return { batches, publish, finishAll };
}

const change = (label: string) => () => ({ result: label, changed: true });

describe('ChangeQueues', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('publishes at once for a client that waits for each change (OpenSSH sftp put)', async () => {
    const queues = new ChangeQueues(COALESCE_MS, () => Date.now());
    const { batches, publish, finishAll } = publisher();
    for (const label of ['a', 'b', 'c']) {
      const done = queues.submit('dir', change(label), false, publish);
      await finishAll();
      await done;
    }
    expect(batches).toEqual([['a'], ['b'], ['c']]);
  });

  it('gathers changes that stream in faster than publishes go out (cp into sshfs)', async () => {
    const queues = new ChangeQueues(COALESCE_MS, () => Date.now());
    const { batches, publish, finishAll } = publisher();
    const all = [queues.submit('dir', change('a'), false, publish)];
    // Two more arrive while the first publish runs: they go out together right after it.
    all.push(
      queues.submit('dir', change('b'), false, publish),
      queues.submit('dir', change('c'), false, publish),
    );
    await finishAll();
    expect(batches).toEqual([['a'], ['b', 'c']]);
    await finishAll();
    // The last publish carried several: the next change waits a moment for more.
    all.push(queues.submit('dir', change('d'), false, publish));
    await vi.advanceTimersByTimeAsync(COALESCE_MS / 2);
    all.push(queues.submit('dir', change('e'), false, publish));
    expect(batches).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(batches).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
    await finishAll();
    await Promise.all(all);
  });

  it('never makes an urgent change wait, and other directories are not held up', async () => {
    const queues = new ChangeQueues(COALESCE_MS, () => Date.now());
    const { batches, publish, finishAll } = publisher();
    const first = [
      queues.submit('dir', change('a'), false, publish),
      queues.submit('dir', change('b'), false, publish),
      queues.submit('dir', change('c'), false, publish),
    ];
    await finishAll();
    await finishAll();
    await Promise.all(first);
    const urgent = queues.submit('dir', change('mkdir'), true, publish);
    const elsewhere = queues.submit('other', change('x'), false, publish);
    expect(batches.slice(2)).toEqual([['mkdir'], ['x']]);
    await finishAll();
    await Promise.all([urgent, elsewhere]);
  });
});
