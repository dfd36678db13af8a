/**
 * Builds one SFTP packet: the fields are appended to a growing buffer and `finish` fills in the
 * uint32 length prefix, so a reply is a single write on the stream.
 */
export class PacketWriter {
  private buffer: Buffer;
  private length = 4; // room for the length prefix

  constructor(type: number, initialSize = 64) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialSize, 16));
    this.u8(type);
  }

  /** Bytes written so far, length prefix included (what the packet would weigh if finished now). */
  get size(): number {
    return this.length;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer.writeUInt8(value, this.length);
    this.length += 1;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.buffer.writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
    return this;
  }

  u64(value: number | bigint): this {
    this.reserve(8);
    this.buffer.writeBigUInt64BE(BigInt(value), this.length);
    this.length += 8;
    return this;
  }

  /** A uint32-prefixed string: text is encoded as UTF-8, bytes are sent as they are. */
  string(value: string | Uint8Array): this {
    const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.u32(data.length);
    this.raw(data);
    return this;
  }

  raw(data: Uint8Array): this {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
    return this;
  }

  /** Drops everything written after `size` (an entry that turned out not to fit). */
  truncate(size: number): this {
    this.length = Math.max(5, Math.min(size, this.length));
    return this;
  }

  finish(): Buffer {
    this.buffer.writeUInt32BE(this.length - 4, 0);
    return this.buffer.subarray(0, this.length);
  }
}
