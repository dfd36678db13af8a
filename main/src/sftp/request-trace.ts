import { messageName } from './message-types.js';

export type TraceLog = (line: string) => void;

/**
 * With GRID_SFTP_TRACE_REQUESTS=1, every request is logged to stderr with how long it waited for
 * its turn and how long it ran: where the time of a client's workload goes. Caps inside
 * `/uri/<cap>` paths are blanked.
 */
export function defaultTrace(): TraceLog | undefined {
  if (process.env['GRID_SFTP_TRACE_REQUESTS'] !== '1') return undefined;
  // Each SFTP session tags its lines: sshfs with max_conns spreads one client over several.
  const tag = ++traceSessions;
  return (line) => void process.stderr.write(`[${tag}] ${line}\n`);
}

let traceSessions = 0;

export class RequestTimer {
  private readonly received = performance.now();
  private started = this.received;

  constructor(
    private readonly log: TraceLog,
    private readonly id: number,
    private readonly type: number,
    private readonly subject: string,
  ) {}

  start(): void {
    this.started = performance.now();
  }

  done(reply: Buffer): void {
    const now = performance.now();
    // A STATUS reply carries its code after length(4), type(1) and id(4).
    const status = reply[4] === 101 && reply.length >= 13 ? ` status ${reply.readUInt32BE(9)}` : '';
    // An ATTRS reply with its size flag (1) carries the size after its flags: what a client's
    // kernel takes as the file's size, the first suspect when a mounted file reads short.
    const size =
      reply[4] === 105 && reply.length >= 21 && (reply.readUInt32BE(9) & 1) !== 0
        ? ` size ${reply.readBigUInt64BE(13)}`
        : '';
    this.log(
      `sftp #${this.id} ${messageName(this.type)} ${this.subject} waited ${(this.started - this.received).toFixed(1)} ms, ran ${(now - this.started).toFixed(1)} ms${status}${size}`,
    );
  }
}

/** The first string field of a request (a path for most), printable and without caps. */
export function traceSubject(payload: Buffer): string {
  if (payload.length < 8) return '';
  const length = payload.readUInt32BE(4);
  const field = payload.subarray(8, 8 + Math.min(length, 200));
  const text = field.toString('utf8');
  // Handles are binary: shown in hex, so the requests on one handle can be followed.
  if (text.includes('\uFFFD') || field.some((byte) => byte < 0x20)) return `<${field.toString('hex')}>`;
  return JSON.stringify(text.replace(/\/uri\/[^/]*/g, '/uri/…'));
}
