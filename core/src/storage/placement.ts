/**
 * Share placement on the permuted ring (DESIGN §2), and the servers-of-happiness measure an
 * upload must reach.
 */
import { createHash } from 'node:crypto';

/**
 * The nodes in the order a storage index prefers them: by SHA-256(si ‖ utf8(node id)). Every file
 * gets its own pseudo-random but stable order, so load spreads evenly over the nodes, while a
 * reader (or a repairer) recomputes the same order from the storage index alone and asks the likely
 * holders first.
 */
export function permuteNodes<T extends { readonly id: string }>(si: Uint8Array, nodes: readonly T[]): T[] {
  const seen = new Set<string>();
  const keyed = nodes.map((node) => {
    if (seen.has(node.id)) throw new RangeError(`node id ${JSON.stringify(node.id)} appears twice`);
    seen.add(node.id);
    return { node, key: createHash('sha256').update(si).update(node.id, 'utf8').digest() };
  });
  // Ids are unique, so equal keys would mean a SHA-256 collision; the order is total either way.
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return keyed.map(({ node }) => node);
}

/**
 * Share i goes to ring position i, wrapping round when there are fewer nodes than shares: every
 * node gets one share before any node gets a second, which maximises happiness for the nodes at hand.
 */
export function planPlacement<T extends { readonly id: string }>(
  si: Uint8Array,
  nodes: readonly T[],
  n: number,
): Array<{ shnum: number; node: T }> {
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new RangeError(`invalid share count ${String(n)}`);
  const ring = permuteNodes(si, nodes);
  if (n > 0 && ring.length === 0) throw new RangeError('no storage nodes to place shares on');
  return Array.from({ length: n }, (_, shnum) => ({ shnum, node: ring[shnum % ring.length] as T }));
}

/**
 * Servers of happiness: the size of a maximum matching between shares and distinct nodes, i.e. how
 * many nodes can each contribute a different share. With k ≤ happiness, any k of those nodes
 * together hold k distinct shares, so the file survives the loss of the others.
 *
 * Counting distinct nodes is not enough once a share sits on several nodes (after repair, or when
 * an upload found a share already there): share 0 on nodes A and B is two nodes but one share, and
 * A and B together could not rebuild a k = 2 file. A matching counts each share and each node once.
 */
export function happiness(placements: ReadonlyArray<{ shnum: number; nodeId: string }>): number {
  const nodesOfShare = new Map<number, string[]>();
  for (const { shnum, nodeId } of placements) {
    const holders = nodesOfShare.get(shnum) ?? [];
    if (!holders.includes(nodeId)) holders.push(nodeId);
    nodesOfShare.set(shnum, holders);
  }
  // Augmenting paths (Kuhn's algorithm): at most 256 shares, so O(V·E) is nothing.
  const shareOfNode = new Map<string, number>();
  const augment = (shnum: number, visited: Set<string>): boolean => {
    for (const nodeId of nodesOfShare.get(shnum) ?? []) {
      if (visited.has(nodeId)) continue;
      visited.add(nodeId);
      const rival = shareOfNode.get(nodeId);
      if (rival === undefined || augment(rival, visited)) {
        shareOfNode.set(nodeId, shnum);
        return true;
      }
    }
    return false;
  };
  let matched = 0;
  for (const shnum of nodesOfShare.keys()) if (augment(shnum, new Set())) matched++;
  return matched;
}
