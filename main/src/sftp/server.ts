import type { Duplex } from 'node:stream';
import { NotSupportedError, SftpError, SftpStatus, type FileSystemSessionApi } from '@grid-sftp/core';
import { dispatchHandleRequest } from './dispatch-handles.js';
import { dispatchPathRequest } from './dispatch-paths.js';
import { dispatchExtension, EXTENSIONS } from './extensions.js';
import { HandleTable } from './handle-table.js';
import { DEFAULT_LIMITS, type SftpLimits } from './limits.js';
import { MessageType } from './message-types.js';
import { DecodeError, FramingError, PacketReader, PayloadReader } from './packet-reader.js';
import { dataReplies, writePackets } from './packet-buffers.js';
import { PacketWriter } from './packet-writer.js';
import { statusPacket } from './replies.js';
import type { RequestContext } from './request-context.js';
import { RequestOrder, type RequestKind } from './request-order.js';
import { RequestPaths } from './request-paths.js';
import { defaultTrace, RequestTimer, traceSubject, type TraceLog } from './request-trace.js';

export { DEFAULT_LIMITS, type SftpLimits } from './limits.js';
export { EXTENSIONS } from './extensions.js';
export { MessageType } from './message-types.js';
export { statusPacket } from './replies.js';

export interface SftpServerOptions {
  readonly limits?: Partial<SftpLimits>;
  /** The account's home directory: relative paths start there (default `/`, the root cap). */
  readonly home?: string;
  /** The account name, for home-directory, `~user` and users-groups-by-id (uid and gid 0). */
  readonly user?: string;
  /** Told why the server dropped a peer (malformed framing, protocol violation). */
  readonly onDisconnect?: (reason: string) => void;
  /** Logs every request with its timing (default: stderr when GRID_SFTP_TRACE_REQUESTS=1). */
  readonly trace?: TraceLog;
  /**
   * Runs a write of replies so that what is written in the same tick leaves in one syscall (the
   * gateway corks the connection's socket): ssh2 cuts a 255 KiB READ reply into 8 SSH packets,
   * each its own socket write otherwise.
   */
  readonly batchWrites?: (write: () => void) => void;
  /**
   * The stream copies what is written to it before it calls the write's callback, as ssh2's
   * channels do (they copy into SSH packets). DATA replies then come from a pool and go back to
   * it in that callback; on any other stream (a PassThrough hands the very buffer to its reader)
   * each reply has its own memory.
   */
  readonly copiesWrites?: boolean;
}

/**
 * Our SFTP version 3 server (DESIGN §4): ssh2's own cannot advertise extensions nor send extended
 * replies. It runs over any duplex stream and stays thin: decode, call the session, encode. This
 * file is the connection: framing, INIT/VERSION, backpressure, the order requests run in
 * (request-order.ts) and the end of the session. The requests themselves are in dispatch-*.ts
 * and extensions.ts, the replies' encoding in replies.ts.
 */
export class SftpServer {
  readonly limits: SftpLimits;
  /** Why the peer was disconnected, when it was. */
  disconnectReason: string | undefined;

  private readonly handles: HandleTable;
  private readonly order = new RequestOrder();
  private readonly context: RequestContext;
  private readonly trace: TraceLog | undefined;
  private stream: Duplex | undefined;
  private reader: PacketReader;
  private initialized = false;
  private closed = false;
  /** The peer sent EOF: what it sent before is still answered, then the session ends. */
  private ending = false;
  private outputBlocked = false;
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  private finished: (() => void) | undefined;

  constructor(
    private readonly session: FileSystemSessionApi,
    private readonly options: SftpServerOptions = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.reader = new PacketReader(this.limits.maxPacketLength, (length, type) =>
      type === MessageType.WRITE ? writePackets.take(length) : Buffer.allocUnsafe(length),
    );
    this.handles = new HandleTable(this.limits.maxOpenHandles);
    this.trace = options.trace ?? defaultTrace();
    this.context = {
      session,
      handles: this.handles,
      limits: this.limits,
      paths: new RequestPaths(options.home ?? '/', options.user),
      closed: () => this.closed,
      allocateData:
        options.copiesWrites === true
          ? (length) => dataReplies.take(length)
          : (length) => Buffer.allocUnsafe(length),
    };
  }

  /** Serves the stream; resolves when it ends, after the session has ended and every handle closed. */
  attach(stream: Duplex): Promise<void> {
    if (this.stream !== undefined) return Promise.reject(new Error('SftpServer serves one stream'));
    this.stream = stream;
    const done = new Promise<void>((resolve) => (this.finished = resolve));
    stream.on('data', (chunk: Buffer | string) => {
      if (this.closed) return;
      this.reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      this.pump();
    });
    // EOF is the client's last word, not a dropped connection: requests it sent before (sshfs
    // sends its last CLOSEs and unmounts) are still carried out.
    stream.on('end', () => {
      this.ending = true;
      this.pump();
    });
    const stop = (): void => void this.shutdown();
    stream.on('close', stop);
    stream.on('error', stop);
    stream.on('drain', () => {
      this.outputBlocked = false;
      this.pump();
    });
    return done;
  }

  /** Takes whole packets while under the in-flight cap, and pauses the stream otherwise. */
  private pump(): void {
    const stream = this.stream;
    if (this.closed || stream === undefined) return;
    try {
      while (this.inFlight < this.limits.maxRequestsInFlight && !this.outputBlocked) {
        const packet = this.reader.next();
        if (packet === undefined) break;
        this.onPacket(packet);
        if (this.closed) return;
      }
    } catch (error) {
      if (error instanceof FramingError) return this.disconnect(error.message);
      throw error;
    }
    // Ending, nothing running and nothing held back: every complete packet has been answered.
    if (this.ending && this.inFlight === 0 && !this.outputBlocked) {
      void this.shutdown();
      return;
    }
    if (this.inFlight < this.limits.maxRequestsInFlight && !this.outputBlocked) stream.resume();
    else stream.pause();
  }

  private onPacket(packet: Buffer): void {
    const type = packet[0] ?? 0;
    if (!this.initialized) {
      if (type !== MessageType.INIT) return this.disconnect('the first packet must be INIT');
      this.initialized = true;
      // The client's version and extensions change nothing: we speak version 3 whatever it asks.
      return this.send(this.versionPacket());
    }
    if (type === MessageType.INIT) return this.disconnect('duplicate INIT');
    if (packet.length < 5) return this.disconnect(`packet of type ${type} too short for a request id`);
    const id = packet.readUInt32BE(1);
    const payload = new PayloadReader(packet.subarray(5));
    const kind: RequestKind =
      type === MessageType.READ || type === MessageType.WRITE
        ? 'data'
        : type === MessageType.CLOSE
          ? 'close'
          : 'ordered';
    const timer =
      this.trace === undefined
        ? undefined
        : new RequestTimer(this.trace, id, type, traceSubject(packet.subarray(1)));
    this.inFlight++;
    const answered = this.order.schedule(kind, () => {
      timer?.start();
      return this.answer(id, type, payload, timer);
    });
    this.running.add(answered);
    void answered.finally(() => {
      if (type === MessageType.WRITE) writePackets.give(packet);
      this.inFlight--;
      this.running.delete(answered);
      this.pump();
    });
  }

  /** Runs one request and sends its reply; never rejects. */
  private async answer(
    id: number,
    type: number,
    payload: PayloadReader,
    timer?: RequestTimer,
  ): Promise<void> {
    let reply: Buffer;
    try {
      if (this.closed) throw new SftpError(SftpStatus.CONNECTION_LOST, 'disconnected');
      reply = await this.dispatch(type, id, payload);
    } catch (error) {
      reply = this.errorStatus(id, error);
    }
    timer?.done(reply);
    this.send(reply);
  }

  private dispatch(type: number, id: number, r: PayloadReader): Promise<Buffer> {
    if (type === MessageType.EXTENDED)
      return dispatchExtension(
        this.context,
        id,
        Buffer.from(r.bytes('extended request')).toString('latin1'),
        r,
      );
    return (
      dispatchHandleRequest(this.context, type, id, r) ??
      dispatchPathRequest(this.context, type, id, r) ??
      Promise.resolve(statusPacket(id, SftpStatus.OP_UNSUPPORTED, `unsupported request type ${type}`))
    );
  }

  private send(packet: Buffer): void {
    const stream = this.stream;
    if (this.closed || stream === undefined || stream.destroyed || !stream.writable) return;
    const write = (): void => {
      const written = this.options.copiesWrites === true ? () => dataReplies.give(packet) : undefined;
      if (!stream.write(packet, written)) this.outputBlocked = true;
    };
    if (this.options.batchWrites === undefined) write();
    else this.options.batchWrites(write);
  }

  /** The peer broke the protocol: the framing can no longer be trusted, so we drop it. */
  private disconnect(reason: string): void {
    if (this.closed) return;
    this.disconnectReason = reason;
    this.options.onDisconnect?.(reason);
    this.stream?.destroy(new Error(`SFTP protocol error: ${reason}`));
    void this.shutdown();
  }

  private async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.pause();
    // The session first: it abandons files open for writing, so closing them commits nothing.
    await this.session.end().catch(() => undefined);
    await Promise.allSettled([...this.running]);
    await Promise.allSettled(this.handles.takeAll().map((entry) => entry.handle.close()));
    const stream = this.stream;
    if (stream !== undefined && !stream.destroyed && stream.writable) stream.end();
    this.finished?.();
  }

  private versionPacket(): Buffer {
    const writer = new PacketWriter(MessageType.VERSION).u32(3);
    for (const [name, version] of EXTENSIONS) writer.string(name).string(version);
    return writer.finish();
  }

  private errorStatus(id: number, error: unknown): Buffer {
    if (error instanceof SftpError) return statusPacket(id, error.status, error.message);
    if (error instanceof DecodeError) return statusPacket(id, SftpStatus.BAD_MESSAGE, error.message);
    if (error instanceof NotSupportedError) return statusPacket(id, SftpStatus.OP_UNSUPPORTED, error.message);
    // Anything else is our bug: its message might hold a cap, so the client gets a plain FAILURE.
    return statusPacket(id, SftpStatus.FAILURE, 'internal error');
  }
}
