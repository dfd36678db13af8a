/**
 * SFTP framing and field decoding (draft-ietf-secsh-filexfer-02 §3): every packet is a uint32
 * length followed by that many bytes, the first of which is the type. Strings are uint32-prefixed
 * bytes, kept as bytes: file names may be invalid UTF-8 and the session is the one that refuses them.
 */

/** A well-framed packet whose fields do not fit its length (answered with BAD_MESSAGE). */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** A peer that broke the framing itself: nothing after it can be trusted, so we disconnect. */
export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

/** Cuts a stream of chunks into packets (type byte + payload), refusing lengths above a limit. */
export class PacketReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /**
   * `allocate` makes the buffer a packet is copied into, given its length and type byte (the
   * server takes WRITE packets from a PacketBufferPool).
   */
  constructor(
    private readonly maxPacketLength: number,
    private readonly allocate: (length: number, type: number) => Buffer = (length) =>
      Buffer.allocUnsafe(length),
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * The next complete packet (without its length prefix), or undefined when more bytes are needed.
   * Throws FramingError as soon as the length field is known to be unacceptable, before its bytes
   * arrive, so an absurd length never makes us buffer.
   */
  next(): Buffer | undefined {
    if (this.buffered < 4) return undefined;
    const head = this.gather(4);
    const length = head.readUInt32BE(0);
    if (length === 0) throw new FramingError('empty packet');
    if (length > this.maxPacketLength)
      throw new FramingError(`packet of ${length} bytes exceeds the limit of ${this.maxPacketLength}`);
    if (this.buffered < 4 + length) return undefined;
    // A copy, so the packet does not pin a large chunk that holds later packets too; made
    // straight from the chunks, as a 255 KiB WRITE arrives in eight SSH packets (merging them
    // first cost a second allocation and copy of every byte uploaded).
    this.consume(4);
    const packet = this.allocate(length, this.firstByte());
    this.copyOut(packet);
    return packet;
  }

  private firstByte(): number {
    for (const chunk of this.chunks) if (chunk.length > 0) return chunk[0] ?? 0;
    return 0;
  }

  /** Fills `target` from the front of the buffered chunks and consumes those bytes. */
  private copyOut(target: Buffer): void {
    let filled = 0;
    while (filled < target.length) {
      const first = this.chunks[0];
      if (first === undefined) throw new Error('internal: fewer bytes buffered than counted');
      const take = Math.min(first.length, target.length - filled);
      first.copy(target, filled, 0, take);
      filled += take;
      if (take === first.length) this.chunks.shift();
      else this.chunks[0] = first.subarray(take);
    }
    this.buffered -= target.length;
  }

  /** The first `n` buffered bytes, merging chunks only when a packet spans them (once per packet). */
  private gather(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) return first;
    const merged = Buffer.concat(this.chunks);
    this.chunks = [merged];
    return merged;
  }

  private consume(n: number): void {
    let left = n;
    while (left > 0) {
      const first = this.chunks[0];
      if (first === undefined) break;
      if (first.length <= left) {
        this.chunks.shift();
        left -= first.length;
      } else {
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
  }
}

/** A cursor over one packet's fields; every read throws DecodeError past the end. */
export class PayloadReader {
  private offset = 0;

  constructor(private readonly data: Buffer) {}

  get remaining(): number {
    return this.data.length - this.offset;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) throw new DecodeError(`truncated packet: ${what} missing`);
  }

  u8(what = 'byte'): number {
    this.need(1, what);
    return this.data.readUInt8(this.offset++);
  }

  u32(what = 'uint32'): number {
    this.need(4, what);
    const value = this.data.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** uint64 as a number; values past 2^53 cannot be file offsets or sizes here, so they are refused. */
  u64(what = 'uint64'): number {
    this.need(8, what);
    const value = this.data.readBigUInt64BE(this.offset);
    this.offset += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError(`${what} out of range`);
    return Number(value);
  }

  /** A string's bytes (a view into the packet, which is already a private copy). */
  bytes(what = 'string'): Uint8Array {
    const length = this.u32(`${what} length`);
    this.need(length, what);
    const value = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}
