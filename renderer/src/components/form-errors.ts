import type { ApiError } from '@grid-sftp/core/api';
import { useState } from 'react';

/**
 * Which of a form's fields an error belongs to: the service names the input path (`name`,
 * `publicKeys.1`, `root.cap`), the form knows its fields. `null` means the whole form.
 */
export function fieldOfError<F extends string>(error: ApiError, fields: readonly F[]): F | null {
  if (error.field === undefined) return null;
  const path = error.field.split(/[.[\]]/).filter((part) => part !== '');
  for (const part of [...path].reverse()) {
    const match = fields.find((field) => field === part);
    if (match !== undefined) return match;
  }
  return null;
}

/** Non-empty trimmed lines: the keys of a "one OpenSSH key per line" textarea. */
export function keyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/**
 * A form's last error, placed beside the field it belongs to. `setError` takes the service's
 * error (placed by `fieldOfError`), a message for the whole form, or `null` to clear it.
 */
export function useFormError<F extends string>(fields: readonly F[]) {
  const [error, setState] = useState<{ field: F | null; message: string } | null>(null);
  const setError = (next: ApiError | string | null): void => {
    if (next === null) setState(null);
    else if (typeof next === 'string') setState({ field: null, message: next });
    else setState({ field: fieldOfError(next, fields), message: next.message });
  };
  /** The message if the error belongs to one of `of`, else null. */
  const errorFor = (...of: F[]): string | null =>
    error !== null && error.field !== null && of.includes(error.field) ? error.message : null;
  /** The message if the error belongs to no field. */
  const formError = error !== null && error.field === null ? error.message : null;
  return { errorFor, formError, setError };
}
