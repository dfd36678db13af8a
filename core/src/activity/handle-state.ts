/**
 * The life of an open file handle and of the commit it may lead to (DESIGN §3):
 *
 *   open → closing → committing → committed | failed
 *   open → closing → closed            (a handle that had nothing to commit: read-only, unchanged)
 *   open | closing | committing → abandoned   (dropped connection, removed while open)
 *   failed → committing                (retry) | abandoned (discard)
 */
export type HandleState = 'open' | 'closing' | 'committing' | 'committed' | 'closed' | 'failed' | 'abandoned';

const NEXT: Record<HandleState, readonly HandleState[]> = {
  open: ['closing', 'abandoned'],
  closing: ['committing', 'closed', 'failed', 'abandoned'],
  committing: ['committed', 'failed', 'abandoned'],
  failed: ['committing', 'abandoned'],
  committed: [],
  closed: [],
  abandoned: [],
};

export function canMove(from: HandleState, to: HandleState): boolean {
  return NEXT[from].includes(to);
}

/** States after which nothing more happens to a handle. */
export function isFinal(state: HandleState): boolean {
  return NEXT[state].length === 0;
}

export class HandleStateError extends Error {
  constructor(from: HandleState, to: HandleState) {
    super(`a handle cannot go from ${from} to ${to}`);
    this.name = 'HandleStateError';
  }
}
