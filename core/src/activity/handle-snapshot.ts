import type { HandleView } from '../api/views.js';

export type { CommitProgress } from '../api/views.js';

/** What the UI and the tests see of one handle: plain data, no caps, no secrets (the contract's view). */
export type HandleSnapshot = HandleView;

export type ActivityEvent =
  | { readonly type: 'handle-added'; readonly handle: HandleSnapshot }
  | { readonly type: 'handle-changed'; readonly handle: HandleSnapshot }
  | { readonly type: 'handle-removed'; readonly id: string };
