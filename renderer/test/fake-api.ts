import {
  makeApiClient,
  type ApiClient,
  type ApiTransport,
  type AppEvent,
  type MethodName,
  type ParamsOf,
  type Result,
  type ValueOf,
} from '@grid-sftp/core/api';

export type FakeHandlers = {
  [M in MethodName]?: (params: ParamsOf<M>) => Result<ValueOf<M>> | Promise<Result<ValueOf<M>>>;
};

export interface FakeApi {
  readonly client: ApiClient;
  readonly calls: { method: MethodName; params: unknown }[];
  emit(event: AppEvent): void;
  readyCount(): number;
  listenerCount(): number;
}

/** An in-memory service: answers from `handlers`, records every call, pushes events on demand. */
export function fakeApi(handlers: FakeHandlers = {}): FakeApi {
  const calls: { method: MethodName; params: unknown }[] = [];
  const listeners = new Set<(event: AppEvent) => void>();
  let ready = 0;
  const transport: ApiTransport = {
    call: async (method, params) => {
      calls.push({ method, params });
      const handler = handlers[method] as
        ((p: unknown) => Result<unknown> | Promise<Result<unknown>>) | undefined;
      if (handler === undefined)
        return { ok: false, error: { code: 'internal', message: `no fake for ${method}` } };
      return handler(params);
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready: () => {
      ready++;
    },
  };
  return {
    client: makeApiClient(transport),
    calls,
    emit: (event) => {
      for (const listener of listeners) listener(event);
    },
    readyCount: () => ready,
    listenerCount: () => listeners.size,
  };
}
