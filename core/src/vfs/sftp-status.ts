/**
 * SFTP version 3 status codes (draft-ietf-secsh-filexfer-02 §7) and the typed error every
 * file-system session operation throws. The protocol layer turns an SftpError into a STATUS reply
 * as it is, so its message must already be safe to show a client (see error-mapping.ts).
 */
export const SftpStatus = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

export type SftpStatusCode = (typeof SftpStatus)[keyof typeof SftpStatus];

export class SftpError extends Error {
  readonly status: SftpStatusCode;

  constructor(status: SftpStatusCode, message: string) {
    // An answer to the client (no such file, ...), not a fault: no stack is captured, which cost
    // ~30 µs each, and sshfs asks for a missing name before creating every file.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.status = status;
    this.name = 'SftpError';
  }
}

/** Thrown by session code for a request it deliberately does not support (→ OP_UNSUPPORTED). */
export class NotSupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotSupportedError';
  }
}

/** Thrown by readers at or past the end of a file (→ EOF), as Python's EOFError in Tahoe. */
export class EndOfFileError extends Error {
  constructor(message = 'end of file reached') {
    super(message);
    this.name = 'EndOfFileError';
  }
}
