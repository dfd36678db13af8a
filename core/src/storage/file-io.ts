import { readSync, writeSync } from 'node:fs';
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

/** writeFully on a bare descriptor, blocking: for worker threads, which have nothing else to do meanwhile. */
export function writeFullySync(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.byteLength) {
    const written = writeSync(fd, data, done, data.byteLength - done, position + done);
    if (written <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += written;
  }
}

/** Reads into `target` from `position` until it is full or the file ends, blocking (worker threads); returns the bytes read. */
export function readFullySync(fd: number, target: Uint8Array, position: number): number {
  let got = 0;
  while (got < target.length) {
    const read = readSync(fd, target, got, target.length - got, position + got);
    if (read === 0) break;
    got += read;
  }
  return got;
}

/** Writes the chunks back to back from `position` (one writev call unless the kernel stops short). */
export async function writevFully(
  handle: FileHandle,
  chunks: readonly Uint8Array[],
  position: number,
): Promise<void> {
  if (chunks.length === 1) return writeFully(handle, chunks[0] as Uint8Array, position);
  let pending = [...chunks];
  let at = position;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, at);
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    at += bytesWritten;
    pending = dropWritten(pending, bytesWritten);
  }
}

/** What is left of `chunks` once their first `count` bytes are written. */
function dropWritten(chunks: readonly Uint8Array[], count: number): Uint8Array[] {
  let left = count;
  let first = 0;
  while (first < chunks.length && left >= (chunks[first] as Uint8Array).byteLength) {
    left -= (chunks[first] as Uint8Array).byteLength;
    first++;
  }
  const rest = chunks.slice(first);
  if (left > 0 && rest.length > 0) rest[0] = (rest[0] as Uint8Array).subarray(left);
  return rest;
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
