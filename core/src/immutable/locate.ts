import { describeError, type ShareProblem } from '../grid/context.js';
import type { StorageNode } from '../storage/node.js';
import { permuteNodes } from '../storage/placement.js';
import type { ShareCandidate } from './segment-reader.js';

export interface LocatedShares {
  /** Every (share, node) pair found, in ring order of the nodes. */
  readonly candidates: ShareCandidate[];
  readonly sizes: Map<ShareCandidate, number>;
  /** Nodes that did not answer. */
  readonly problems: ShareProblem[];
}

/** Asks every node, in ring order, which shares of the storage index it holds. */
export async function locateShares(
  nodes: readonly StorageNode[],
  si: Uint8Array,
  siText: string,
): Promise<LocatedShares> {
  const ring = permuteNodes(si, nodes);
  const answers = await Promise.all(
    ring.map(async (node) => {
      try {
        return { node, shares: await node.listShares(siText) };
      } catch (error) {
        return { node, error: describeError(error) };
      }
    }),
  );
  const candidates: ShareCandidate[] = [];
  const sizes = new Map<ShareCandidate, number>();
  const problems: ShareProblem[] = [];
  for (const answer of answers) {
    if ('error' in answer) {
      problems.push({
        nodeId: answer.node.id,
        shnum: -1,
        reason: `unreachable (${answer.error.replace(`storage node ${answer.node.id}: `, '')})`,
      });
      continue;
    }
    for (const info of answer.shares) {
      const candidate = { shnum: info.shnum, node: answer.node };
      candidates.push(candidate);
      sizes.set(candidate, info.size);
    }
  }
  return { candidates, sizes, problems };
}
