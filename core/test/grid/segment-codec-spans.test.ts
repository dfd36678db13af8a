import { openSync, closeSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSegmentInto } from '../../src/immutable/segment-codec.js';
import { patternBytes } from './make-grid.js';

const dir = mkdtempSync(join(tmpdir(), 'grid-spans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const coding = { aesKey: new Uint8Array(32).fill(3), iv: new Uint8Array(16), k: 3, n: 5 };

function encode(
  plaintext: Parameters<typeof encodeSegmentInto>[0]['plaintext'],
  offset: number,
  blockSize: number,
) {
  const memory = new Uint8Array(5 * blockSize);
  const result = encodeSegmentInto({ ...coding, plaintext, offset, blockSize, output: { memory } });
  return { memory, blockHashes: result.blockHashes };
}

describe('a segment given as a span of a file', () => {
  it('is read by the coding thread and coded exactly as the same bytes given in memory', () => {
    const content = patternBytes(250_000, 9);
    const path = join(dir, 'source');
    writeFileSync(path, content);
    const fd = openSync(path, 'r');
    try {
      // A middle segment and a short last one, at their places in the keystream.
      for (const [position, length] of [
        [30_000, 120_000],
        [150_000, 100_000],
      ] as const) {
        const blockSize = Math.ceil(length / 3);
        const fromFile = encode({ fd, position, length, fileSize: content.length }, position, blockSize);
        const fromBytes = encode(content.subarray(position, position + length), position, blockSize);
        expect(Buffer.from(fromFile.memory).equals(Buffer.from(fromBytes.memory))).toBe(true);
        expect([...fromFile.blockHashes]).toEqual([...fromBytes.blockHashes]);
      }
    } finally {
      closeSync(fd);
    }
  });

  it('refuses a span the file no longer holds, rather than coding what the memory held', () => {
    const path = join(dir, 'short');
    writeFileSync(path, patternBytes(10_000, 1));
    const fd = openSync(path, 'r');
    try {
      expect(() => encode({ fd, position: 5_000, length: 6_000, fileSize: 11_000 }, 5_000, 2_000)).toThrow(
        /expected 11000 bytes, got 10000/,
      );
    } finally {
      closeSync(fd);
    }
  });
});
