import type { FileHandle } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { writevFully } from '../../src/storage/file-io.js';

/** A file that takes at most `limit` bytes per call, as a kernel may. */
function stingyFile(limit: number): { handle: FileHandle; bytes: number[]; calls: number } {
  const file = { bytes: [] as number[], calls: 0, handle: undefined as unknown as FileHandle };
  const put = (chunks: readonly Uint8Array[], position: number): { bytesWritten: number } => {
    file.calls++;
    let written = 0;
    for (const chunk of chunks) {
      for (const byte of chunk) {
        if (written === limit) return { bytesWritten: written };
        file.bytes[position + written++] = byte;
      }
    }
    return { bytesWritten: written };
  };
  file.handle = {
    writev: async (chunks: Uint8Array[], position: number) => Promise.resolve(put(chunks, position)),
    write: async (chunk: Uint8Array, offset: number, length: number, position: number) =>
      Promise.resolve(put([chunk.subarray(offset, offset + length)], position)),
  } as unknown as FileHandle;
  return file;
}

describe('writevFully', () => {
  it('writes every chunk back to back however little each call takes', async () => {
    const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array([4]), new Uint8Array([5, 6, 7, 8, 9])];
    for (const limit of [1, 2, 3, 4, 5, 100]) {
      const file = stingyFile(limit);
      await writevFully(file.handle, chunks, 10);
      expect(file.bytes.slice(10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(file.calls).toBe(Math.ceil(9 / limit));
    }
  });

  it('fails rather than spin when a call writes nothing', async () => {
    const file = stingyFile(0);
    await expect(writevFully(file.handle, [new Uint8Array(4), new Uint8Array(4)], 0)).rejects.toMatchObject({
      code: 'EIO',
    });
  });
});
