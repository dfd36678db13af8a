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
    const reused = [await second.acquire(), await second.acquire()].map((slot) => slot.buffer);
    expect(reused).toEqual(expect.arrayContaining([a.buffer, b.buffer]));
    const fresh = await second.acquire();
    expect(fresh.buffer).not.toBe(c.buffer);
    first.release(c); // released after the close: spare now
    const third = new SlotPool(1002, 1);
    expect((await third.acquire()).buffer).toBe(c.buffer);
  });

  it('lends a spare to a pool of up to a third smaller slots, as a view of the right length', async () => {
    const big = new SlotPool(3000, 1);
    const slot = await big.acquire();
    big.release(slot);
    big.close();
    const tooSmall = await new SlotPool(1900, 1).acquire(); // 3000 > 1.5 × 1900: not worth it
    expect(tooSmall.buffer).not.toBe(slot.buffer);
    const tooBig = await new SlotPool(3001, 1).acquire();
    expect(tooBig.buffer).not.toBe(slot.buffer);
    const lent = await new SlotPool(2000, 1).acquire();
    expect(lent.buffer).toBe(slot.buffer);
    expect(lent.byteLength).toBe(2000);
  });
});
