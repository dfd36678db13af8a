/** Environment variable with the SSH listen address of the desktop app, `HOST:PORT`. */
export const LISTEN_ENV = 'GRID_SFTP_LISTEN';
export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 2222 } as const;

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `HOST:PORT` or `[IPV6]:PORT`; unset or empty gives the default. */
export function listenAddressFrom(text: string | undefined): ListenAddress {
  if (text === undefined || text.trim() === '') return DEFAULT_LISTEN;
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new Error(`${LISTEN_ENV} wants HOST:PORT (for example 127.0.0.1:2222), got "${text}"`);
  }
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? DEFAULT_LISTEN.host : host, port };
}
