// SFTP framing (main/src/sftp/packet-reader.ts): packets come back whole however the SSH channel
// cut the stream, and a length over the limit is refused before its bytes arrive.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FramingError, PacketReader } from '../../src/sftp/packet-reader.js';

function framed(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

describe('PacketReader', () => {
  it('returns every packet intact whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 30 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map(framed));
          const reader = new PacketReader(1 << 20);
          const got: Buffer[] = [];
          for (let at = 0, i = 0; at < stream.length; i++) {
            const size = cuts[i % cuts.length] as number;
            reader.push(stream.subarray(at, at + size));
            at += size;
            for (let packet = reader.next(); packet !== undefined; packet = reader.next()) got.push(packet);
          }
          expect(got.map((p) => p.toString('hex'))).toEqual(
            payloads.map((p) => Buffer.from(p).toString('hex')),
          );
          expect(reader.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hands out copies: a packet does not change when its chunk is reused', () => {
    const reader = new PacketReader(1024);
    const chunk = framed(Buffer.from('hello'));
    reader.push(chunk);
    const packet = reader.next();
    chunk.fill(0);
    expect(packet?.toString()).toBe('hello');
  });

  it('refuses a length over the limit as soon as the length is known', () => {
    const reader = new PacketReader(100);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(101, 0);
    reader.push(head);
    expect(() => reader.next()).toThrow(FramingError);
  });
});
