import { describeFailure, isExpected, UsageError } from './errors.js';
import { printError } from './output.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/**
 * Wraps a command's action: whatever it throws becomes `grid-sftp: <one line>` on stderr and an
 * exit code (1, or 2 for bad usage). The stack of an unexpected error shows only with
 * GRID_SFTP_DEBUG=1: a user needs the message, a developer can ask for more.
 */
export function run<Args extends unknown[]>(
  action: (...args: Args) => Promise<number | void>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      process.exitCode = (await action(...args)) ?? EXIT_OK;
    } catch (error) {
      printError(describeFailure(error));
      if (
        !isExpected(error) &&
        process.env['GRID_SFTP_DEBUG'] === '1' &&
        error instanceof Error &&
        error.stack
      ) {
        process.stderr.write(`${error.stack}\n`);
      }
      process.exitCode = error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
    }
  };
}
