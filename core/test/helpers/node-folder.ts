import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import type { LocalDirectoryNode } from '../../src/storage/index.js';

/**
 * A fresh folder per test (`root`, with the node to be at `dir`), and `track` for nodes that the
 * test opens: they are closed, mocks restored and the folder removed after each test.
 */
export function useNodeFolder(prefix: string): {
  readonly root: () => string;
  readonly dir: () => string;
  track: (opening: Promise<LocalDirectoryNode>) => Promise<LocalDirectoryNode>;
} {
  let root = '';
  const opened: LocalDirectoryNode[] = [];
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const node of opened.splice(0)) await node.close();
    await rm(root, { recursive: true, force: true });
  });
  return {
    root: () => root,
    dir: () => join(root, 'node'),
    track: async (opening) => {
      const node = await opening;
      opened.push(node);
      return node;
    },
  };
}
