import { describe, expect, it } from 'vitest';
import { SlotPool } from '../../src/util/slot-pool.js';

// Each test uses a size of its own: closed pools leave their slots for any later pool of that size.
describe('SlotPool', () => {
  it('hands out at most maxSlots and makes the next caller wait for a release', async () => {
    const pool = new SlotPool(1001, 2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(a).not.toBe(b);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    let third: Uint8Array | undefined;
    const waiting = pool.acquire().then((slot) => (third = slot));
    await Promise.resolve();
    expect(third).toBeUndefined();
    pool.release(b);
    await waiting;
    expect(third).toBe(b);
  });

  it('gives the slots of a closed pool to the next pool of that size, never one still in use', async () => {
    const first = new SlotPool(1002, 3);
    const [a, b, c] = [await first.acquire(), await first.acquire(), await first.acquire()];
    first.release(a);
    first.release(b);
    first.close(); // c is still in use (a worker may be writing into it)
    const second = new SlotPool(1002, 3);
    const reused = [await second.acquire(), await second.acquire()];
    expect(reused).toEqual(expect.arrayContaining([a, b]));
    const fresh = await second.acquire();
    expect(fresh).not.toBe(c);
    first.release(c); // released after the close: spare now
    const third = new SlotPool(1002, 1);
    expect(await third.acquire()).toBe(c);
    expect(await new SlotPool(1003, 1).acquire()).not.toBe(a); // other sizes get their own
  });
});
