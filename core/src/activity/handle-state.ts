import type { HandleState } from '../api/views.js';

export type { HandleState } from '../api/views.js';

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
