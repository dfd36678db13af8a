import type { FileHandle } from 'node:fs/promises';

/** Writes all of `data` at `position`, however many calls the kernel needs. */
export async function writeFully(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.byteLength) {
    const { bytesWritten } = await handle.write(data, done, data.byteLength - done, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += bytesWritten;
  }
}

/** Reads into `target` from `offset` until it is full or the file ends; returns the bytes read. */
export async function readFullyInto(handle: FileHandle, offset: number, target: Uint8Array): Promise<number> {
  let got = 0;
  while (got < target.length) {
    const { bytesRead } = await handle.read(target, got, target.length - got, offset + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}
