import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalDirectoryNode, ShareNotFoundError } from '../../src/storage/index.js';

const SI = 'a'.repeat(26);
let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('LocalDirectoryNode.readShareInto', () => {
  it('reads a range into the caller buffer, short at the end, and refuses a missing share', async () => {
    dir = await mkdtemp(join(tmpdir(), 'grid-read-into-'));
    const node = await LocalDirectoryNode.create(join(dir, 'node'));
    try {
      const writer = await node.createShare(SI, 2);
      await writer.write(Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff));
      await writer.commit();
      const target = new Uint8Array(new SharedArrayBuffer(300));
      expect(await node.readShareInto(SI, 2, 100, target)).toBe(300);
      expect([...target.subarray(0, 3)]).toEqual([100, 101, 102]);
      expect(await node.readShareInto(SI, 2, 900, target)).toBe(100);
      expect(await node.readShareInto(SI, 2, 5000, target)).toBe(0);
      await expect(node.readShareInto(SI, 3, 0, target)).rejects.toBeInstanceOf(ShareNotFoundError);
      await expect(node.readShareInto('../etc', 0, 0, target)).rejects.toThrow(RangeError);
    } finally {
      await node.close();
    }
  });
});
