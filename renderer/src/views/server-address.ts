import type { ServerView } from '@grid-sftp/core/api';

/** `127.0.0.1:2222`, or `[::1]:2222` for IPv6. */
export function serverAddress(server: Pick<ServerView, 'host' | 'port'>): string {
  return `${bracketed(server.host)}:${server.port}`;
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The host a client should dial: a server listening on every interface is reached through
 * the host this page was loaded from.
 */
export function dialHost(server: Pick<ServerView, 'host'>, pageHost: string): string {
  const host = WILDCARDS.has(server.host) ? pageHost || 'localhost' : server.host;
  return bracketed(host);
}

export function sftpCommand(
  account: string,
  server: Pick<ServerView, 'host' | 'port'>,
  pageHost: string,
): string {
  return `sftp -P ${server.port} ${account}@${dialHost(server, pageHost)}`;
}

export function sshfsCommand(
  account: string,
  server: Pick<ServerView, 'host' | 'port'>,
  pageHost: string,
): string {
  return `sshfs -p ${server.port} ${account}@${dialHost(server, pageHost)}:/ ~/grid -o reconnect,ServerAliveInterval=15`;
}
