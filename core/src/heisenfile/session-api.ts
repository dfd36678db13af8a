import type { SftpAttrs } from '../vfs/attributes.js';

/**
 * The file-system session of one connected user (issue 3): every operation of Twisted's
 * ISFTPServer and the OpenSSH extensions the gateway offers, with no SSH in sight. Every method
 * rejects with an `SftpError` (core/src/vfs/sftp-status.ts) whose status is the SFTP answer.
 */

/** SFTP v3 open flags (draft-ietf-secsh-filexfer-02 §6.3). */
export const OpenFlags = {
  READ: 0x01,
  WRITE: 0x02,
  APPEND: 0x04,
  CREAT: 0x08,
  TRUNC: 0x10,
  EXCL: 0x20,
} as const;

export function flagNames(flags: number): string[] {
  return Object.entries(OpenFlags)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
}

export interface DirectoryListingEntry {
  readonly filename: string;
  readonly longname: string;
  readonly attrs: SftpAttrs;
}

/** statvfs@openssh.com: sizes in fragments of `fragmentSize` bytes, capacity after the n/k expansion. */
export interface StatVfs {
  readonly blockSize: number;
  readonly fragmentSize: number;
  readonly blocks: number;
  readonly blocksFree: number;
  readonly blocksAvailable: number;
  readonly files: number;
  readonly filesFree: number;
  readonly filesAvailable: number;
  readonly fsid: number;
  readonly readOnly: boolean;
  readonly nameMax: number;
}

export interface SessionFileHandle {
  /** The live-activity id of this handle (see core/src/activity). */
  readonly id: string;
  /** Up to `length` bytes; rejects with EOF when `offset` is at or past the end. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: as read, into `target` (its length is the length asked for); resolves with how many
   * bytes were copied. Lets a server build its reply around the bytes without another copy.
   */
  readInto?(offset: number, target: Uint8Array): Promise<number>;
  /** `data` must stay unchanged until the returned promise settles (it is not copied). */
  write(offset: number, data: Uint8Array): Promise<void>;
  fstat(): Promise<SftpAttrs>;
  fsetstat(attrs: SftpAttrs): Promise<void>;
  /** fsync@openssh.com: commits now and reports the outcome. */
  fsync(): Promise<void>;
  /** Commits a file open for writing; a read-only handle's close never fails. */
  close(): Promise<void>;
}

export interface SessionDirectoryHandle {
  /** The next batch of entries, or rejects with EOF when the listing is exhausted. */
  readdir(): Promise<DirectoryListingEntry[]>;
  close(): Promise<void>;
}

export interface FileSystemSessionApi {
  open(path: string | Uint8Array, flags: number, attrs: SftpAttrs): Promise<SessionFileHandle>;
  remove(path: string | Uint8Array): Promise<void>;
  /** Plain SFTP rename: fails with FAILURE when the target exists (as OpenSSH). */
  rename(from: string | Uint8Array, to: string | Uint8Array): Promise<void>;
  /** posix-rename@openssh.com: replaces the target. */
  posixRename(from: string | Uint8Array, to: string | Uint8Array): Promise<void>;
  mkdir(path: string | Uint8Array, attrs: SftpAttrs): Promise<void>;
  rmdir(path: string | Uint8Array): Promise<void>;
  opendir(path: string | Uint8Array): Promise<SessionDirectoryHandle>;
  stat(path: string | Uint8Array): Promise<SftpAttrs>;
  lstat(path: string | Uint8Array): Promise<SftpAttrs>;
  setstat(path: string | Uint8Array, attrs: SftpAttrs): Promise<void>;
  realpath(path: string | Uint8Array): Promise<string>;
  readlink(path: string | Uint8Array): Promise<string>;
  symlink(linkPath: string | Uint8Array, targetPath: string | Uint8Array): Promise<void>;
  statvfs(path: string | Uint8Array): Promise<StatVfs>;
  /** hardlink@openssh.com: links the same cap at a second name. */
  hardlink(existing: string | Uint8Array, link: string | Uint8Array): Promise<void>;
  /** copy-data: `length` bytes (0: to the end) from one open file to another. */
  copyData(
    from: SessionFileHandle,
    fromOffset: number,
    length: number,
    to: SessionFileHandle,
    toOffset: number,
  ): Promise<void>;
  /** Ends the session: handles still open for writing are abandoned, never committed. */
  end(): Promise<void>;
}
