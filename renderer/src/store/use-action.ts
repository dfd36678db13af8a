import type { ApiError } from '@grid-sftp/core/api';
import { useApp } from './store-context.js';

/** Whether the action kept under `key` (see action-keys.ts) is running, and how it last failed. */
export function useAction(key: string): { busy: boolean; error: ApiError | undefined } {
  const busy = useApp((s) => key in s.pending);
  const error = useApp((s) => s.errors[key]);
  return { busy, error };
}
