import type { ApiError } from '@grid-sftp/core/api';

/** An error shown where it happened; `role="alert"` so it is read out when it appears. */
export function ErrorText({ error, id }: { error: ApiError | string | null | undefined; id?: string }) {
  if (error === null || error === undefined) return null;
  const message = typeof error === 'string' ? error : error.message;
  return (
    <p className="error-text" role="alert" id={id}>
      {message}
    </p>
  );
}
