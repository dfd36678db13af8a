import type { HandleState } from './handle-state.js';

/** What the UI and the tests see of one handle: plain data, no caps, no secrets. */
export interface HandleSnapshot {
  readonly id: string;
  readonly sessionId: string;
  readonly account: string;
  /** The path the handle has now (a rename while open moves it). */
  readonly path: string;
  readonly flags: readonly string[];
  readonly state: HandleState;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** Milliseconds since the epoch. */
  readonly openedAt: number;
  readonly closedAt?: number;
  readonly finishedAt?: number;
  readonly commit?: CommitProgress;
  /** Why a commit failed or a handle was abandoned, in words safe to show. */
  readonly reason?: string;
  /** A failed commit that can be tried again. */
  readonly retryable: boolean;
}

export interface CommitProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly startedAt: number;
  /** Distinct storage nodes that hold a share, once known. */
  readonly nodesWritten?: number;
}

export type ActivityEvent =
  | { readonly type: 'handle-added'; readonly handle: HandleSnapshot }
  | { readonly type: 'handle-changed'; readonly handle: HandleSnapshot }
  | { readonly type: 'handle-removed'; readonly id: string };
