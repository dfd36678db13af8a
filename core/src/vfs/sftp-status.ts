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
  constructor(
    readonly status: SftpStatusCode,
    message: string,
  ) {
    super(message);
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
