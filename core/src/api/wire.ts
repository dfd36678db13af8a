import type { AppEvent } from './events.js';
import type { MethodName } from './methods.js';
import type { Result } from './result.js';

/**
 * The messages of the headless bridge (one JSON text frame each). Electron's IPC carries the
 * same requests and events, one channel per method.
 */
export type ClientMessage =
  | { readonly type: 'request'; readonly id: number; readonly method: MethodName; readonly params: unknown }
  /** The client has loaded its snapshot and wants events from now on. */
  | { readonly type: 'ready' };

export type ServerMessage =
  | { readonly type: 'response'; readonly id: number; readonly result: Result<unknown> }
  | { readonly type: 'event'; readonly event: AppEvent };

/** The WebSocket path of the headless bridge (the token goes in the query, as for the page). */
export const BRIDGE_PATH = '/api';
