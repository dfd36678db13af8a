import { DEFAULT_LIMITS } from './limits.js';

/**
 * Reusable buffers for WRITE packets, the bulk of what an upload brings in (and, the same way,
 * for DATA replies, the bulk of what a download sends). Every packet is copied
 * out of the SSH channel's chunks (PacketReader); a fresh 256 KiB buffer per WRITE made a quarter
 * GiB of short-lived external memory per 256 MiB uploaded, and V8 answers external memory growth
 * with a full mark-compact about every 50 ms (measured: 42 of them in a 256 MiB upload, their
 * marking threads taking as much CPU as the main thread).
 *
 * Why reuse is safe: a buffer goes back only once its request has been answered
 * (SftpServer.onPacket), and nothing keeps a WRITE's bytes past its answer. The session's write
 * contract says so (SessionFileHandle.write: `data` stays unchanged until the promise settles);
 * the spool encrypts the bytes, the convergence hasher and the streaming upload copy or hash them,
 * all before that promise settles. A DATA reply goes back once the channel has taken it: ssh2
 * copies a chunk into its own SSH packets before it calls the write's callback.
 */
export class PacketBufferPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly owned = new WeakSet<ArrayBuffer>();

  constructor(
    readonly bufferSize: number,
    private readonly keep: number,
  ) {}

  /** A buffer of `length` bytes (contents undefined); a fresh one when larger than the pool's. */
  take(length: number): Buffer {
    if (length > this.bufferSize) return Buffer.allocUnsafe(length);
    const memory = this.free.pop() ?? new ArrayBuffer(this.bufferSize);
    this.owned.add(memory);
    return Buffer.from(memory, 0, length);
  }

  /** Gives back a buffer from `take` whose bytes nobody uses any more; others are ignored. */
  give(buffer: Buffer): void {
    const memory = buffer.buffer;
    if (!(memory instanceof ArrayBuffer) || !this.owned.has(memory)) return;
    this.owned.delete(memory);
    if (this.free.length < this.keep) this.free.push(memory);
  }
}

/** Shared by every session of the process: 32 spare buffers (8 MiB) serve many transfers at once. */
export const writePackets = new PacketBufferPool(DEFAULT_LIMITS.maxPacketLength, 32);

/** DATA replies: a READ's bytes after the 13-byte header (length, type, id, string length). */
export const dataReplies = new PacketBufferPool(DEFAULT_LIMITS.maxReadLength + 13, 32);
