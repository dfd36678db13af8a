import { SftpError, SftpStatus } from '@grid-sftp/core';

const encoder = new TextEncoder();

/**
 * Paths as the client sends them, made absolute: relative paths start at the account's home
 * directory, as after `cd ~` on a Unix server. Kept as bytes: the session refuses invalid UTF-8.
 */
export class RequestPaths {
  constructor(
    readonly home: string,
    /** The account name: `~user` names our own home; other users are unknown. */
    readonly user: string | undefined,
  ) {}

  path(bytes: Uint8Array): Uint8Array {
    if (bytes[0] === 0x2f || this.home === '/') return bytes;
    return bytes.length === 0
      ? encoder.encode(this.home)
      : concatBytes(encoder.encode(`${this.home}/`), bytes);
  }

  /** `~` and `~/…` (and `~user` for our own user) are the home directory (expand-path). */
  expandTilde(bytes: Uint8Array): Uint8Array {
    if (bytes[0] !== 0x7e) return this.path(bytes);
    const slash = bytes.indexOf(0x2f);
    const user = Buffer.from(bytes.subarray(1, slash === -1 ? bytes.length : slash)).toString('utf8');
    if (user !== '' && user !== this.user) throw new SftpError(SftpStatus.NO_SUCH_FILE, 'no such user');
    const rest = slash === -1 ? new Uint8Array(0) : bytes.subarray(slash + 1);
    return concatBytes(encoder.encode(this.home.endsWith('/') ? this.home : `${this.home}/`), rest);
  }
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
