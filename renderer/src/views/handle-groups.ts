import type { HandleState, HandleView } from '@grid-sftp/core/api';

const OPEN: ReadonlySet<HandleState> = new Set(['open', 'closing']);
const FINISHED: ReadonlySet<HandleState> = new Set(['committed', 'failed', 'abandoned']);

/** Handles a client holds now (Open handles), oldest first. */
export function openHandles(handles: readonly HandleView[]): HandleView[] {
  return handles.filter((h) => OPEN.has(h.state)).sort((a, b) => a.openedAt - b.openedAt);
}

/** Commits being written to the grid, oldest first. */
export function committingHandles(handles: readonly HandleView[]): HandleView[] {
  return handles.filter((h) => h.state === 'committing').sort((a, b) => a.openedAt - b.openedAt);
}

/** Commits that ended (or failed and wait for retry or discard), newest first. */
export function finishedCommits(handles: readonly HandleView[]): HandleView[] {
  const endedAt = (h: HandleView): number => h.finishedAt ?? h.closedAt ?? h.openedAt;
  return handles.filter((h) => FINISHED.has(h.state)).sort((a, b) => endedAt(b) - endedAt(a));
}
