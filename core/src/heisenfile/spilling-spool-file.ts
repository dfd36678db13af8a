import type { SpoolFile } from './spool-file.js';

/**
 * A spool's file that stays in memory until something is written past `limit`, and from then on
 * is the real temporary file (`open` makes it; what memory held is written there first). Most
 * files an SFTP client writes are small (`cp -r` of a source tree through sshfs), and for them a
 * temporary file was a third of the work: create, write, read back, close, unlink. It holds the
 * spool's ciphertext either way, so nothing readable sits in memory longer than in the file.
 *
 * Calls never overlap: the spool makes every call under its `disk` queue.
 */
export class SpillingSpoolFile implements SpoolFile {
  private memory: Uint8Array | undefined = new Uint8Array(0);
  /** The file's length while in memory (bytes past it read as nothing, as past EOF). */
  private length = 0;
  private disk: SpoolFile | undefined;

  constructor(
    private readonly limit: number,
    private readonly open: () => Promise<SpoolFile>,
    /** Removes a temporary file that `open` made, after a failed spill (a retry opens it again). */
    private readonly remove: () => Promise<void>,
  ) {}

  /** Whether the temporary file exists (the owner removes it once closed only then). */
  get onDisk(): boolean {
    return this.disk !== undefined;
  }

  async write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }> {
    const end = position + length;
    const memory = this.memory;
    if (memory !== undefined && end <= this.limit) {
      const room = memory.length >= end ? memory : this.grow(memory, end);
      room.set(buffer.subarray(offset, offset + length), position);
      this.length = Math.max(this.length, end);
      return { bytesWritten: length };
    }
    return (await this.spill()).write(buffer, offset, length, position);
  }

  async read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }> {
    const memory = this.memory;
    if (memory === undefined) return (await this.spill()).read(buffer, offset, length, position);
    const count = Math.max(0, Math.min(length, this.length - position));
    buffer.set(memory.subarray(position, position + count), offset);
    return { bytesRead: count };
  }

  async truncate(length: number): Promise<void> {
    const memory = this.memory;
    if (memory === undefined) return (await this.spill()).truncate(length);
    // What lies past the new end must read as zeros if the file grows again.
    if (length < this.length) memory.fill(0, length, this.length);
    this.length = length;
  }

  async close(): Promise<void> {
    this.memory = undefined;
    await this.disk?.close();
  }

  private grow(memory: Uint8Array, end: number): Uint8Array {
    const grown = new Uint8Array(Math.min(this.limit, Math.max(end, memory.length * 2, 4096)));
    grown.set(memory.subarray(0, this.length));
    this.memory = grown;
    return grown;
  }

  private async spill(): Promise<SpoolFile> {
    if (this.disk !== undefined) return this.disk;
    const memory = this.memory;
    if (memory === undefined) throw new Error('the spool file is closed');
    const disk = await this.open();
    try {
      for (let done = 0; done < this.length;) {
        const { bytesWritten } = await disk.write(memory, done, this.length - done, done);
        done += bytesWritten;
      }
    } catch (error) {
      // Memory still holds everything: the file goes, and the next call tries again.
      await disk.close().catch(() => undefined);
      await this.remove().catch(() => undefined);
      throw error;
    }
    this.disk = disk;
    this.memory = undefined;
    return disk;
  }
}
