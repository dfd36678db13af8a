import {
  CapError,
  DirectoryError,
  NotEnoughSharesError,
  StorageNodeError,
  UploadError,
} from '@grid-sftp/core';
import { AccountError } from '../accounts/account-store.js';
import { PublicKeyError } from '../accounts/public-key.js';
import { HomeError } from '../home/errors.js';

/** Bad arguments found after commander's own checks (exit 2, like commander's usage errors). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command ran, and its answer is "no" (unhealthy file, …): the message is the summary. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailed';
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder',
  ENOTDIR: 'not a folder',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

/** Errors whose message is meant for the user as is: no stack trace, ever. */
export function isExpected(error: unknown): boolean {
  return (
    error instanceof UsageError ||
    error instanceof CommandFailed ||
    error instanceof HomeError ||
    error instanceof CapError ||
    error instanceof NotEnoughSharesError ||
    error instanceof UploadError ||
    error instanceof DirectoryError ||
    error instanceof StorageNodeError ||
    error instanceof AccountError ||
    error instanceof PublicKeyError ||
    // Core reports impossible sizes and encodings as RangeErrors.
    error instanceof RangeError ||
    errnoOf(error) !== undefined
  );
}

function errnoOf(error: unknown): NodeJS.ErrnoException | undefined {
  return error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    'syscall' in error
    ? (error as NodeJS.ErrnoException)
    : undefined;
}

/** One line that says what went wrong, in words a user can act on. */
export function describeFailure(error: unknown): string {
  const errno = errnoOf(error);
  if (errno !== undefined) {
    const text = ERRNO_TEXT[errno.code ?? ''] ?? errno.message;
    return errno.path === undefined ? text : `${errno.path}: ${text}`;
  }
  if (error instanceof NotEnoughSharesError) return withoutProblemList(error.message);
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Core appends the first few problems to a NotEnoughSharesError's message; the CLI prints each
 * problem on its own warning line instead, so the error line keeps only the verdict.
 */
export function withoutProblemList(message: string): string {
  const cut = message.search(/ \(\d+ problem\(s\): |\): share /);
  if (cut < 0) return message;
  return message.slice(0, cut) + (message[cut] === ')' ? ')' : '');
}
