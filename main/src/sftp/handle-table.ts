import { randomBytes } from 'node:crypto';
import {
  SftpError,
  SftpStatus,
  type DirectoryListingEntry,
  type SessionDirectoryHandle,
  type SessionFileHandle,
} from '@grid-sftp/core';

export type HandleEntry =
  | { readonly kind: 'file'; readonly handle: SessionFileHandle }
  | { readonly kind: 'dir'; readonly handle: SessionDirectoryHandle; pending: DirectoryListingEntry[] };

/**
 * The open handles of one SFTP session, under opaque 8-byte names (4 random bytes, a counter),
 * with the per-session cap held even while opens are still in flight.
 */
export class HandleTable {
  private readonly handles = new Map<string, HandleEntry>();
  private readonly prefix = randomBytes(4);
  private counter = 0;
  private reserved = 0;

  constructor(private readonly maxOpenHandles: number) {}

  /** Reserves a slot before the (slow) open, so the cap holds even with opens in flight. */
  async open(open: () => Promise<HandleEntry>): Promise<{ name: Buffer; entry: HandleEntry }> {
    if (this.handles.size + this.reserved >= this.maxOpenHandles)
      throw new SftpError(SftpStatus.FAILURE, `too many open handles (${this.maxOpenHandles})`);
    this.reserved++;
    let entry: HandleEntry;
    try {
      entry = await open();
    } finally {
      this.reserved--;
    }
    const name = Buffer.alloc(8);
    this.prefix.copy(name, 0);
    name.writeUInt32BE(this.counter++ >>> 0, 4);
    this.handles.set(keyOf(name), entry);
    return { name, entry };
  }

  lookup(name: Uint8Array): HandleEntry {
    const entry = this.handles.get(keyOf(name));
    if (entry === undefined) throw new SftpError(SftpStatus.FAILURE, 'invalid handle');
    return entry;
  }

  file(name: Uint8Array): SessionFileHandle {
    const entry = this.lookup(name);
    if (entry.kind !== 'file') throw new SftpError(SftpStatus.FAILURE, 'not a file handle');
    return entry.handle;
  }

  dir(name: Uint8Array): HandleEntry & { kind: 'dir' } {
    const entry = this.lookup(name);
    if (entry.kind !== 'dir') throw new SftpError(SftpStatus.FAILURE, 'not a directory handle');
    return entry;
  }

  /** Takes a handle out of the table (CLOSE): it is invalid from now on, whatever its close says. */
  take(name: Uint8Array): HandleEntry {
    const entry = this.lookup(name);
    this.handles.delete(keyOf(name));
    return entry;
  }

  /** Empties the table (the session ended) and returns what was in it. */
  takeAll(): HandleEntry[] {
    const entries = [...this.handles.values()];
    this.handles.clear();
    return entries;
  }
}

function keyOf(handle: Uint8Array): string {
  return Buffer.from(handle.buffer, handle.byteOffset, handle.byteLength).toString('latin1');
}
