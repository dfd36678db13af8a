import type { ApiError } from '@grid-sftp/core/api';

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
