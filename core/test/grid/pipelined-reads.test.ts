// An SFTP client keeps many READs in flight at once (OpenSSH: up to 64 of 255 KiB, the gateway's
// limits). The reader's segment cache must span that window, or it drops segments whose READs are
// still to come and decodes them again: this test counts the block bytes read from the nodes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeGrid, patternBytes, sha256, type TestGrid } from './make-grid.js';

const KiB = 1024;
const MiB = 1024 * KiB;
let current: TestGrid | undefined;
afterEach(async () => {
  await current?.grid.close();
  current = undefined;
  vi.restoreAllMocks();
});

/** Reads the whole file with `depth` READs of `size` bytes in flight, as sftp's get does. */
async function pipelinedRead(
  read: (offset: number, length: number) => Promise<Uint8Array>,
  fileSize: number,
  size: number,
  depth: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(fileSize);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < fileSize) {
      const offset = next;
      next += size;
      const got = await read(offset, size);
      out.set(got, offset);
    }
  };
  await Promise.all(Array.from({ length: depth }, lane));
  return out;
}

describe('pipelined random-access reads', () => {
  it('decode each segment once with 64 READs of 255 KiB in flight', async () => {
    current = makeGrid({ threads: 2 });
    const t = current;
    const data = patternBytes(28 * MiB + 12_345, 7);
    const { cap } = await t.grid.uploadBytes(data, { key: 'random' });
    let blockBytes = 0;
    for (const node of t.nodes) {
      const inner = node.inner;
      const readInto = inner.readShareInto?.bind(inner);
      const readShare = inner.readShare.bind(inner);
      if (readInto !== undefined)
        vi.spyOn(inner, 'readShareInto').mockImplementation((si, shnum, offset, target) => {
          blockBytes += target.length;
          return readInto(si, shnum, offset, target);
        });
      vi.spyOn(inner, 'readShare').mockImplementation((si, shnum, offset, length) => {
        blockBytes += length;
        return readShare(si, shnum, offset, length);
      });
    }
    const reader = await t.grid.openFile(cap);
    const back = await pipelinedRead((o, l) => reader.read(o, l), data.length, 255 * KiB, 64);
    expect(sha256(back)).toBe(sha256(data));
    // k blocks of a third of a segment each: the file's size once, plus headers and hash lists.
    expect(blockBytes).toBeGreaterThanOrEqual(data.length);
    expect(blockBytes).toBeLessThan(data.length * 1.1);
  });

  it('answers every one of many concurrent reads all over a file bigger than its cache correctly', async () => {
    // Segments leave the cache while reads still wait for them, and their buffers are reused: a
    // buffer handed back too early would put one segment's bytes into another's reply.
    current = makeGrid({ threads: 2 });
    const t = current;
    const data = patternBytes(30 * MiB + 777, 11);
    const { cap } = await t.grid.uploadBytes(data, { key: 'random' });
    const reader = await t.grid.openFile(cap);
    let seed = 12345;
    const random = (below: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    const lanes = Array.from({ length: 48 }, async () => {
      for (let i = 0; i < 24; i++) {
        const offset = random(data.length);
        const length = 1 + random(300 * KiB);
        const target = new Uint8Array(length);
        const count = await (reader.readInto as NonNullable<typeof reader.readInto>)(offset, target);
        const expected = data.subarray(offset, offset + length);
        expect(count).toBe(expected.length);
        expect(sha256(target.subarray(0, count))).toBe(sha256(expected));
      }
    });
    await Promise.all(lanes);
  });
});
