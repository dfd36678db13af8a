import type { StorageNodeView } from '@grid-sftp/core/api';
import { nodeErrorReason, type HomeNode } from '../home/home.js';

/** One storage node as people see it: where it is, how full, and whether it answers. */
export async function nodeViewOf(node: HomeNode): Promise<StorageNodeView> {
  const base = { id: node.entry.id, kind: node.entry.kind, location: node.path };
  if (node.unavailable !== undefined) return { ...base, ok: false, error: node.unavailable };
  try {
    const { totalBytes, freeBytes, usedBytes } = await node.node.space();
    return { ...base, ok: true, totalBytes, freeBytes, usedBytes };
  } catch (error) {
    return { ...base, ok: false, error: nodeErrorReason(error) };
  }
}
