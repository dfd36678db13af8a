import type { ShareProblem } from '@grid-sftp/core';
import type { OpenHome } from '../home/home.js';

/** "share 2 on n-abc (/path/node-3): corrupt block in segment 0", or the node alone for node-wide trouble. */
export function describeProblem(home: OpenHome, problem: ShareProblem): string {
  const where = home.describeNode(problem.nodeId);
  // Node errors repeat "storage node <id>: ", which `where` has already said.
  const reason = problem.reason.replace(`storage node ${problem.nodeId}: `, '');
  return problem.shnum < 0
    ? `node ${where}: ${reason}`
    : `share ${problem.shnum} on node ${where}: ${reason}`;
}

/**
 * Problems worth a warning: each once, and none about nodes already reported unavailable when
 * the home was opened (one line per dead node is enough).
 */
export function freshProblems(home: OpenHome, problems: readonly ShareProblem[]): ShareProblem[] {
  const dead = new Set(home.nodes.filter((n) => n.unavailable !== undefined).map((n) => n.entry.id));
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.nodeId}/${p.shnum}/${p.reason}`;
    if (dead.has(p.nodeId) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
