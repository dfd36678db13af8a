import type { ApiError, Result } from '@grid-sftp/core/api';

/**
 * Where each action's outcome is kept, keyed by the control that started it (`server`,
 * `session:<id>`, `commit:<id>` …), so the UI shows an error beside that control.
 */
export interface ActionsState {
  readonly pending: Readonly<Record<string, true>>;
  readonly errors: Readonly<Record<string, ApiError>>;
}

type SetActions = (update: (state: ActionsState) => Partial<ActionsState>) => void;

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

/** A call that throws (a transport bug) is reported like any other failure, never lost. */
async function settle<T>(call: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await call();
  } catch (error) {
    return {
      ok: false,
      error: { code: 'internal', message: error instanceof Error ? error.message : String(error) },
    };
  }
}

export async function trackResult<T>(
  set: SetActions,
  key: string,
  call: () => Promise<Result<T>>,
): Promise<Result<T>> {
  set((state) => ({ pending: { ...state.pending, [key]: true }, errors: without(state.errors, key) }));
  const result = await settle(call);
  set((state) => ({
    pending: without(state.pending, key),
    errors: result.ok ? state.errors : { ...state.errors, [key]: result.error },
  }));
  return result;
}

export function clearedError(state: ActionsState, key: string): Partial<ActionsState> {
  return key in state.errors ? { errors: without(state.errors, key) } : {};
}
