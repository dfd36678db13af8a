import type { DirEntry } from '../dirnode/entries.js';
import { attributesOfEntry, longname } from '../vfs/attributes.js';
import { SftpError, SftpStatus } from '../vfs/sftp-status.js';
import type { DirectoryListingEntry, SessionDirectoryHandle } from './session-api.js';

const BATCH = 100;

/** A directory listing read once at OPENDIR and handed out in batches, then EOF. */
export class DirHandle implements SessionDirectoryHandle {
  private next = 0;
  private closed = false;
  private readonly entries: DirectoryListingEntry[];

  constructor(entries: readonly DirEntry[], parentWritable: boolean, now = Date.now() / 1000) {
    this.entries = entries.map((entry) => {
      const attrs = attributesOfEntry(entry, { parentWritable });
      return { filename: entry.name, longname: longname(entry.name, attrs, now), attrs };
    });
  }

  readdir(): Promise<DirectoryListingEntry[]> {
    if (this.closed)
      return Promise.reject(new SftpError(SftpStatus.BAD_MESSAGE, 'cannot read a closed directory handle'));
    if (this.next >= this.entries.length)
      return Promise.reject(new SftpError(SftpStatus.EOF, 'no more entries'));
    const batch = this.entries.slice(this.next, this.next + BATCH);
    this.next += batch.length;
    return Promise.resolve(batch);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
