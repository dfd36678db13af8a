import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE = 'grid_sftp_ui';

/**
 * Who may use the UI server: whoever holds the token printed on the `UI:` line. The token comes
 * in the URL's query (the first page load, the WebSocket) or in an HttpOnly, SameSite=Strict
 * cookie the first page load sets (the page's own assets). The Host header must name the very
 * loopback address the server listens on, so a DNS-rebinding page on another name gets nothing;
 * a WebSocket must also come from that origin (a browser sends Origin; other sites cannot fake it).
 */
export class UiAccess {
  constructor(
    private readonly token: string,
    private readonly hostHeader: () => string | undefined,
  ) {}

  hostAllowed(request: IncomingMessage): boolean {
    const expected = this.hostHeader();
    return expected !== undefined && request.headers.host === expected;
  }

  originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    return origin === undefined || origin === `http://${this.hostHeader() ?? ''}`;
  }

  tokenInQuery(request: IncomingMessage): boolean {
    const given = new URL(request.url ?? '/', 'http://placeholder').searchParams.get('token');
    return given !== null && this.matches(given);
  }

  tokenInCookie(request: IncomingMessage): boolean {
    const cookies = request.headers.cookie ?? '';
    for (const part of cookies.split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === COOKIE && this.matches(value.join('='))) return true;
    }
    return false;
  }

  allowed(request: IncomingMessage): boolean {
    return this.hostAllowed(request) && (this.tokenInQuery(request) || this.tokenInCookie(request));
  }

  cookieHeader(): string {
    return `${COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }

  private matches(given: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
