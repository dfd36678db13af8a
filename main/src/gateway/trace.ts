import type { FileSystemSessionApi } from '@grid-sftp/core';

/**
 * With GRID_SFTP_TRACE=1, every session call that fails is logged with its SFTP status: the quickest
 * way to see which request a client (sshfs with several connections, say) got refused. Paths are
 * logged; caps never reach these messages (they are scrubbed by the error mapping).
 */
export function traced<T extends FileSystemSessionApi>(session: T, log: (line: string) => void): T {
  if (process.env['GRID_SFTP_TRACE'] !== '1') return session;
  return new Proxy(session, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) {
          result.catch((error: unknown) => {
            const status = (error as { status?: number }).status;
            const shown = args.map((a) =>
              a instanceof Uint8Array
                ? Buffer.from(a).toString('utf8')
                : typeof a === 'string' || typeof a === 'number'
                  ? String(a)
                  : '{…}',
            );
            log(
              `trace: ${String(property)}(${shown.join(', ')}) → status ${String(status)}: ${(error as Error).message}`,
            );
          });
        }
        return result;
      };
    },
  });
}
