/** Why a request failed, in words safe to show next to the control that sent it. */
export interface ApiError {
  /** Stable, for code: `invalid-input`, `not-found`, `conflict`, `unavailable`, `internal`. */
  readonly code: ApiErrorCode;
  readonly message: string;
  /** The input field the error is about, when there is one (the UI shows it beside that field). */
  readonly field?: string;
}

export type ApiErrorCode = 'invalid-input' | 'not-found' | 'conflict' | 'unavailable' | 'internal';

export type Result<T, E = ApiError> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

export function fail(code: ApiErrorCode, message: string, field?: string): Result<never> {
  return { ok: false, error: field === undefined ? { code, message } : { code, message, field } };
}
