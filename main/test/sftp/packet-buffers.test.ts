// PacketBufferPool: WRITE packets reuse their memory once answered (see packet-buffers.ts).
import { describe, expect, it } from 'vitest';
import { PacketBufferPool } from '../../src/sftp/packet-buffers.js';

describe('PacketBufferPool', () => {
  it('hands back given buffers, keeps at most `keep`, and ignores foreign or twice-given ones', () => {
    const pool = new PacketBufferPool(1024, 2);
    const a = pool.take(100);
    const b = pool.take(1024);
    const c = pool.take(10);
    expect([a.length, b.length, c.length]).toEqual([100, 1024, 10]);
    expect(new Set([a.buffer, b.buffer, c.buffer]).size).toBe(3);
    pool.give(a);
    pool.give(a); // twice: must not be handed out to two packets at once
    pool.give(Buffer.alloc(100)); // not the pool's
    pool.give(b);
    pool.give(c); // over `keep`: dropped
    const reused = [pool.take(50), pool.take(50)];
    expect(new Set(reused.map((buffer) => buffer.buffer))).toEqual(new Set([a.buffer, b.buffer]));
    expect(pool.take(50).buffer).not.toBe(c.buffer);
  });

  it('allocates a fresh buffer for a packet larger than its buffers, and never takes it back', () => {
    const pool = new PacketBufferPool(64, 4);
    const big = pool.take(65);
    expect(big.length).toBe(65);
    pool.give(big);
    expect(pool.take(10).buffer).not.toBe(big.buffer);
  });
});
