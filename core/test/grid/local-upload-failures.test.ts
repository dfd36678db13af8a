// Uploads to local nodes whose shares' files are lent to the workers (ShareWriter.positionalSink):
// whatever fails, no share file stays open, and a share lost mid-upload is noticed at once.
import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Grid } from '../../src/grid/grid.js';
import { LocalDirectoryNode } from '../../src/storage/local-node.js';
import type { ByteSource } from '../../src/util/byte-source.js';
import { bytesSource } from '../../src/util/byte-source.js';

const MiB = 1024 * 1024;
let root: string;
let nodes: LocalDirectoryNode[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'grid-local-upload-'));
  nodes = [];
  for (let i = 0; i < 5; i++) nodes.push(await LocalDirectoryNode.create(join(root, `n${i}`)));
});

afterEach(async () => {
  for (const node of nodes) await node.close();
  await rm(root, { recursive: true, force: true });
});

/** This process's open descriptors on files under the test's folder (deleted ones included). */
function openFilesUnderRoot(): string[] {
  const targets = readdirSync('/proc/self/fd').map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return ''; // closed meanwhile (the directory listing's own descriptor)
    }
  });
  return targets.filter((target) => target.startsWith(root));
}

describe.skipIf(process.platform !== 'linux')('uploads to local nodes that fail', () => {
  it.each([2, 0])(
    'leaves no share file open when the source cannot be read (%i worker threads)',
    async (threads) => {
      const grid = new Grid({ nodes, encoding: { k: 3, happy: 4, n: 5 }, threads });
      try {
        const gone: ByteSource = {
          size: 3 * MiB,
          open: () => {
            throw new Error('not used: openReader is');
          },
          openReader: () =>
            Promise.reject(Object.assign(new Error('ENOENT: the file is gone'), { code: 'ENOENT' })),
        };
        await expect(grid.upload(gone, { key: 'random' })).rejects.toThrow(/gone/);
        expect(openFilesUnderRoot()).toEqual([]);
      } finally {
        await grid.close();
      }
    },
  );

  it.each([2, 0])('stops at once when nodes close under it (%i worker threads)', async (threads) => {
    const grid = new Grid({ nodes, encoding: { k: 3, happy: 4, n: 5 }, threads, maxSegmentSize: 256 * 1024 });
    try {
      const data = new Uint8Array(randomBytes(32 * MiB)); // 128 segments
      let written = 0;
      let closing: Promise<unknown> | undefined;
      const upload = grid.upload(bytesSource(data), {
        key: 'random',
        onProgress: (done) => {
          written = done;
          // Two of five nodes go away: below happy (4), so the upload must fail.
          if (done >= 4 * 256 * 1024) closing ??= Promise.all([nodes[0]!.close(), nodes[1]!.close()]);
        },
      });
      await expect(upload).rejects.toThrow(
        /shares reached only 3 distinct storage node\(s\) but 4 are required/,
      );
      await closing;
      // Noticed within the segments already in flight (depth 6), not at the end of the file.
      expect(written).toBeLessThan(16 * 256 * 1024);
      expect(openFilesUnderRoot()).toEqual([]);
    } finally {
      await grid.close();
    }
  });
});
