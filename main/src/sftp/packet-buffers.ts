/**
 * Reusable buffers for WRITE packets, the bulk of what an upload brings in. Every packet is copied
 * out of the SSH channel's chunks (PacketReader); a fresh 256 KiB buffer per WRITE made a quarter
 * GiB of short-lived external memory per 256 MiB uploaded, and V8 answers external memory growth
 * with a full mark-compact about every 50 ms (measured: 42 of them in a 256 MiB upload, their
 * marking threads taking as much CPU as the main thread).
 *
 * Why reuse is safe: a buffer goes back only once its request has been answered
 * (SftpServer.onPacket), and nothing keeps a WRITE's bytes past its answer. The session's write
 * contract says so (SessionFileHandle.write: `data` stays unchanged until the promise settles);
 * the spool encrypts the bytes, the convergence hasher and the streaming upload copy or hash them,
 * all before that promise settles.
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
