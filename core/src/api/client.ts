import type { AppEvent } from './events.js';
import { API_METHODS, type MethodName, type ParamsOf, type ValueOf } from './methods.js';
import type { Result } from './result.js';

/** How a client reaches the service: Electron IPC in the desktop app, a WebSocket headless. */
export interface ApiTransport {
  call(method: MethodName, params: unknown): Promise<Result<unknown>>;
  /** Starts the flow of events (held by the service until then) and returns a way to stop listening. */
  subscribe(listener: (event: AppEvent) => void): () => void;
  ready(): void;
}

export type ApiCalls = {
  readonly [M in MethodName]: (params: ParamsOf<M>) => Promise<Result<ValueOf<M>>>;
};

export type ApiClient = ApiCalls & {
  readonly onEvent: (listener: (event: AppEvent) => void) => () => void;
  /** Tells the service the client has its snapshot: pushes held until now start to flow. */
  readonly ready: () => void;
};

/** Exactly the contract's methods, one per message, over any transport. */
export function makeApiClient(transport: ApiTransport): ApiClient {
  const calls = Object.fromEntries(
    API_METHODS.map((method) => [method, (params: unknown) => transport.call(method, params)]),
  ) as unknown as ApiCalls;
  return {
    ...calls,
    onEvent: (listener) => transport.subscribe(listener),
    ready: () => transport.ready(),
  };
}
