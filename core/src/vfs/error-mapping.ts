import { CapError } from '../caps/cap.js';
import { DirectoryError, type DirectoryErrorCode } from '../dirnode/entries.js';
import { NotEnoughSharesError, UploadError } from '../grid/context.js';
import { UncoordinatedWriteError } from '../mutable/mutable-file.js';
import { StorageFullError } from '../storage/node.js';
import {
  EndOfFileError,
  NotSupportedError,
  SftpError,
  SftpStatus,
  type SftpStatusCode,
} from './sftp-status.js';

/**
 * Turns whatever a session operation failed with into the SftpError the client sees, as Tahoe's
 * _convert_error does (DESIGN §4). A message goes to the client, so it must never carry a cap: a
 * cap is the access itself, and a message may reach logs, screenshots or another person.
 */

// Our caps (core/src/caps/text.ts: `gs1-<tag>-<fields>`) and Tahoe's (`URI:CHK:…`, `URI:DIR2:…`).
// Case-insensitive because a client or a log may have changed the case of a cap it echoed.
const CAP_PATTERN = /gs1-[a-z0-9]+(?:-[a-z0-9]*)*|URI:[A-Za-z0-9_:-]+/gi;

export const CAP_PLACEHOLDER = '<cap>';

export function scrubCaps(message: string): string {
  return message.replace(CAP_PATTERN, CAP_PLACEHOLDER);
}

// ChildOfWrongTypeError is PERMISSION_DENIED in Tahoe, so both "wrong type" codes are too;
// EEXIST is FAILURE because SFTP v3 has no FILE_ALREADY_EXISTS and clients (gvfs) rely on it.
const DIRECTORY_STATUS: Record<DirectoryErrorCode, SftpStatusCode> = {
  'no-such-child': SftpStatus.NO_SUCH_FILE,
  exists: SftpStatus.FAILURE,
  'not-a-directory': SftpStatus.PERMISSION_DENIED,
  'is-a-directory': SftpStatus.PERMISSION_DENIED,
  'not-writeable': SftpStatus.PERMISSION_DENIED,
  'bad-name': SftpStatus.NO_SUCH_FILE,
};

const GRID_FULL = 'no space left on the grid';

export function toSftpError(error: unknown): SftpError {
  if (error instanceof SftpError) {
    // The raiser chose the status; scrub anyway, since one slip would leak an account.
    const message = scrubCaps(error.message);
    return message === error.message ? error : new SftpError(error.status, message);
  }
  if (error instanceof DirectoryError) return fail(DIRECTORY_STATUS[error.code], error.message);
  if (error instanceof NotSupportedError) return fail(SftpStatus.OP_UNSUPPORTED, error.message);
  if (error instanceof EndOfFileError) return new SftpError(SftpStatus.EOF, 'end of file reached');
  if (isStorageFull(error)) return new SftpError(SftpStatus.FAILURE, GRID_FULL);
  // Share problems name nodes and storage indexes: useful in the app's log, noise for a client.
  if (error instanceof NotEnoughSharesError)
    return new SftpError(SftpStatus.FAILURE, 'not enough shares of this file are available on the grid');
  if (error instanceof UploadError) {
    const full = error.problems.some((p) => /no space left/i.test(p.reason));
    return new SftpError(
      SftpStatus.FAILURE,
      full ? GRID_FULL : 'could not store the file on enough storage nodes',
    );
  }
  if (error instanceof UncoordinatedWriteError)
    return new SftpError(SftpStatus.FAILURE, 'other writers kept changing this file at the same time');
  if (error instanceof CapError) return new SftpError(SftpStatus.FAILURE, 'invalid cap');
  if (hasCode(error, 'ENOSPC') || hasCode(error, 'EDQUOT'))
    return new SftpError(SftpStatus.FAILURE, 'no space left on the gateway for temporary files');
  // Anything else is a bug or an environment failure whose text we have not vetted.
  return new SftpError(SftpStatus.FAILURE, 'internal error');
}

function fail(status: SftpStatusCode, message: string): SftpError {
  return new SftpError(status, scrubCaps(message));
}

/** StorageFullError may arrive wrapped (as a cause) by whatever layer saw it first. */
function isStorageFull(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof StorageFullError) return true;
  }
  return false;
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as Error & { code?: unknown }).code === code;
}
