import type { HandleActivity } from '../activity/activity-registry.js';
import type { Cap } from '../caps/cap.js';
import type { FileReader } from '../grid/file-reader.js';
import type { SftpAttrs } from '../vfs/attributes.js';
import { toSftpError } from '../vfs/error-mapping.js';
import { SftpError, SftpStatus } from '../vfs/sftp-status.js';
import type { SessionFileHandle } from './session-api.js';

/**
 * A handle opened for reading only (Tahoe's ShortReadOnlySFTPFile, for files of every size: our
 * reader already serves any range and caches the segments around it). It registers no heisenfile
 * and its close never fails.
 */
export class ReadHandle implements SessionFileHandle {
  private closed = false;

  constructor(
    private readonly reader: FileReader,
    private readonly attrs: SftpAttrs,
    private readonly activity: HandleActivity,
    /** The immutable file read, when it is one: copy-data can then relink it instead of copying. */
    readonly immutableCap?: Cap,
    /** Called once at close (a reader of a spool gives it back). */
    private readonly onClose?: () => void,
  ) {}

  get size(): number {
    return this.reader.size;
  }

  get id(): string {
    return this.activity.id;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.checkReadable(offset);
    try {
      const data = await this.reader.read(offset, length);
      this.activity.read(data.length);
      return data;
    } catch (error) {
      throw toSftpError(error);
    }
  }

  async readInto(offset: number, target: Uint8Array): Promise<number> {
    this.checkReadable(offset);
    try {
      let count: number;
      if (this.reader.readInto !== undefined) count = await this.reader.readInto(offset, target);
      else {
        const data = await this.reader.read(offset, target.length);
        target.set(data);
        count = data.length;
      }
      this.activity.read(count);
      return count;
    } catch (error) {
      throw toSftpError(error);
    }
  }

  private checkReadable(offset: number): void {
    if (this.closed) throw new SftpError(SftpStatus.BAD_MESSAGE, 'cannot read from a closed file handle');
    if (offset >= this.reader.size)
      throw new SftpError(SftpStatus.EOF, 'read at or past the end of the file');
  }

  write(): Promise<void> {
    return Promise.reject(
      new SftpError(SftpStatus.PERMISSION_DENIED, 'file handle was not opened for writing'),
    );
  }

  fstat(): Promise<SftpAttrs> {
    if (this.closed)
      return Promise.reject(
        new SftpError(SftpStatus.BAD_MESSAGE, 'cannot get attributes for a closed file handle'),
      );
    return Promise.resolve({ ...this.attrs, size: this.reader.size });
  }

  fsetstat(): Promise<void> {
    return Promise.reject(
      new SftpError(SftpStatus.PERMISSION_DENIED, 'file handle was not opened for writing'),
    );
  }

  fsync(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.activity.closing();
      this.activity.closed();
      this.onClose?.();
    }
    return Promise.resolve();
  }
}
