/**
 * A scriptable stand-in for the file-system session: every operation answers at once (files are
 * 100 bytes of zeros, directories one entry), and tests override single methods to make them slow.
 */
import {
  SftpError,
  SftpStatus,
  type FileSystemSessionApi,
  type SessionDirectoryHandle,
  type SessionFileHandle,
} from '@grid-sftp/core';

export type FakeSession = FileSystemSessionApi & { ended: boolean; openHandles: number; calls: string[] };

export function fakeFile(
  session: { openHandles: number },
  overrides: Partial<SessionFileHandle> = {},
): SessionFileHandle {
  session.openHandles++;
  let closed = false;
  return {
    id: 'fake',
    read: (offset, length) =>
      offset >= 100
        ? Promise.reject(new SftpError(SftpStatus.EOF, 'end of file'))
        : Promise.resolve(new Uint8Array(Math.min(length, 100 - offset))),
    write: () => Promise.resolve(),
    fstat: () => Promise.resolve({ size: 100, permissions: 0o100666 }),
    fsetstat: () => Promise.resolve(),
    fsync: () => Promise.resolve(),
    close: () => {
      if (!closed) session.openHandles--;
      closed = true;
      return Promise.resolve();
    },
    ...overrides,
  };
}

function fakeDir(session: { openHandles: number }): SessionDirectoryHandle {
  session.openHandles++;
  let listed = false;
  let closed = false;
  return {
    readdir: () => {
      if (listed) return Promise.reject(new SftpError(SftpStatus.EOF, 'no more entries'));
      listed = true;
      return Promise.resolve([{ filename: 'f', longname: '-rw-rw-rw- f', attrs: { size: 1 } }]);
    },
    close: () => {
      if (!closed) session.openHandles--;
      closed = true;
      return Promise.resolve();
    },
  };
}

export function fakeSession(overrides: Partial<FileSystemSessionApi> = {}): FakeSession {
  const session: FakeSession = {
    ended: false,
    openHandles: 0,
    calls: [],
    open: () => Promise.resolve(fakeFile(session)),
    opendir: () => Promise.resolve(fakeDir(session)),
    remove: () => Promise.resolve(),
    rename: () => Promise.resolve(),
    posixRename: () => Promise.resolve(),
    mkdir: () => Promise.resolve(),
    rmdir: () => Promise.resolve(),
    stat: () => Promise.resolve({ size: 1, permissions: 0o100666 }),
    lstat: () => Promise.resolve({ size: 1, permissions: 0o100666 }),
    setstat: () => Promise.resolve(),
    realpath: () => Promise.resolve('/'),
    readlink: () => Promise.reject(new SftpError(SftpStatus.OP_UNSUPPORTED, 'no links')),
    symlink: () => Promise.reject(new SftpError(SftpStatus.OP_UNSUPPORTED, 'no links')),
    statvfs: () =>
      Promise.resolve({
        blockSize: 4096,
        fragmentSize: 4096,
        blocks: 1000,
        blocksFree: 500,
        blocksAvailable: 400,
        files: 0,
        filesFree: 0,
        filesAvailable: 0,
        fsid: 7,
        readOnly: false,
        nameMax: 255,
      }),
    hardlink: () => Promise.resolve(),
    copyData: () => Promise.resolve(),
    end: () => {
      session.ended = true;
      return Promise.resolve();
    },
    ...overrides,
  };
  return session;
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
