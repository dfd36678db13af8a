import type { ApiErrorCode } from '@grid-sftp/core/api';

/** A request the service refuses, with the code and (when there is one) the input field it is about. */
export class ServiceError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}
