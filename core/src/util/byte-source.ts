import { createReadStream } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import { readFullySync } from '../storage/file-io.js';

/**
 * Content to upload: its size up front (the share layout depends on it) and a way to stream it
 * from the start, more than once (a convergent key reads the content before encrypting it).
 */
export interface ByteSource {
  readonly size: number;
  open(): AsyncIterable<Uint8Array>;
  /** Reads at a position into the caller's buffer (files can), which spares a copy per segment. */
  openReader?(): Promise<PositionalReader>;
  /** The file behind the source, when there is one: worker threads can then read it themselves. */
  readonly path?: string;
}

export interface PositionalReader {
  /** Reads up to target.length bytes at `position`; fewer only at the end. */
  read(target: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
  /** The open file's descriptor, which other threads may read from until `close`. */
  readonly fd?: number;
}

/** `length` bytes of an open file at `position`, for another thread to read (SequentialFill.lend). */
export interface FileSpan {
  readonly fd: number;
  readonly position: number;
  readonly length: number;
  /** The size the whole file should have (for the error when it no longer holds the span). */
  readonly fileSize: number;
}

/**
 * Reads a span on this thread (a worker's) into memory of the thread's own, reused: valid until
 * the thread's next call. Reused because a fresh 1 MiB per call lived until the worker's next
 * collection, which workers rarely need, and their memory grew with every put; and what was just
 * read is still in cache when it is used. Throws SourceChangedError when the file no longer holds
 * the span.
 */
export function readSpanSync({ fd, position, length, fileSize }: FileSpan): Uint8Array {
  if (spanBuffer.length < length) spanBuffer = new Uint8Array(length);
  const target = spanBuffer.subarray(0, length);
  const got = readFullySync(fd, target, position);
  if (got < length) throw new SourceChangedError(fileSize, position + got);
  return target;
}
let spanBuffer = new Uint8Array(0);

export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    // eslint-disable-next-line @typescript-eslint/require-await -- an async generator keeps one shape for every source
    open: async function* () {
      yield bytes;
    },
  };
}

export async function fileSource(path: string): Promise<ByteSource> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a regular file`);
  return {
    size: info.size,
    path,
    open: () => createReadStream(path, { highWaterMark: 1024 * 1024 }),
    openReader: async () => {
      const handle = await openFile(path, 'r');
      return {
        read: async (target, position) => (await handle.read(target, 0, target.length, position)).bytesRead,
        close: () => handle.close(),
        fd: handle.fd,
      };
    },
  };
}

export class SourceChangedError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the content changed while it was read (expected ${expected} bytes, got ${actual})`);
    this.name = 'SourceChangedError';
  }
}

/**
 * Re-cuts a stream into fresh buffers of exactly `size` bytes (the last one shorter). Fresh
 * buffers matter: they are moved to worker threads, which a slice of a pooled Buffer cannot be.
 */
export async function* fixedChunks(
  stream: AsyncIterable<Uint8Array>,
  size: number,
  total: number,
): AsyncGenerator<Uint8Array> {
  let seen = 0;
  let current = new Uint8Array(Math.min(size, total));
  let filled = 0;
  for await (const piece of stream) {
    let offset = 0;
    seen += piece.length;
    if (seen > total) throw new SourceChangedError(total, seen);
    while (offset < piece.length) {
      const take = Math.min(current.length - filled, piece.length - offset);
      current.set(piece.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === current.length) {
        yield current;
        const remaining = total - seen + (piece.length - offset);
        current = new Uint8Array(Math.min(size, remaining));
        filled = 0;
      }
    }
  }
  if (seen !== total) throw new SourceChangedError(total, seen);
}

/** Fills caller buffers from the start of a source to its end, checking it is exactly `size` long. */
export interface SequentialFill {
  fill(target: Uint8Array): Promise<void>;
  /**
   * Hands the next `length` bytes to be read elsewhere (by a worker thread, at the span), and
   * moves on as `fill` would; undefined when the source is no open file. The reader of the span
   * must check it got all of it; `finish` checks nothing follows. The descriptor stays valid
   * until `finish` or `close`, which must wait for every such reader to be done.
   */
  lend(length: number): FileSpan | undefined;
  /** Checks nothing follows the expected end, and releases the source. */
  finish(): Promise<void>;
  close(): Promise<void>;
}

export async function readSequentially(source: ByteSource): Promise<SequentialFill> {
  if (source.openReader !== undefined) {
    const reader = await source.openReader();
    let position = 0;
    return {
      fill: async (target) => {
        let filled = 0;
        while (filled < target.length) {
          const got = await reader.read(target.subarray(filled), position);
          if (got === 0) throw new SourceChangedError(source.size, position);
          filled += got;
          position += got;
        }
      },
      lend: (length) => {
        if (reader.fd === undefined) return undefined;
        const span = { fd: reader.fd, position, length, fileSize: source.size };
        position += length;
        return span;
      },
      finish: async () => {
        // Both ends: it may have grown, and it may have shrunk after its end was read (or lent).
        const probe = new Uint8Array(2);
        const from = Math.max(0, position - 1);
        const got = await reader.read(probe, from);
        await reader.close();
        if (from + got !== source.size || position !== source.size)
          throw new SourceChangedError(source.size, from + got);
      },
      close: () => reader.close().catch(() => undefined),
    };
  }
  const iterator = source.open()[Symbol.asyncIterator]();
  let leftover: Uint8Array = new Uint8Array(0);
  let seen = 0;
  return {
    fill: async (target) => {
      let filled = 0;
      while (filled < target.length) {
        if (leftover.length === 0) {
          const next = await iterator.next();
          if (next.done === true) throw new SourceChangedError(source.size, seen);
          leftover = next.value;
          seen += leftover.length;
        }
        const take = Math.min(leftover.length, target.length - filled);
        target.set(leftover.subarray(0, take), filled);
        leftover = leftover.subarray(take);
        filled += take;
      }
    },
    lend: () => undefined,
    finish: async () => {
      while (leftover.length === 0) {
        const next = await iterator.next();
        if (next.done === true) break;
        leftover = next.value;
        seen += leftover.length;
      }
      if (leftover.length > 0 || seen !== source.size) {
        await iterator.return?.();
        throw new SourceChangedError(source.size, seen);
      }
    },
    close: async () => {
      await iterator.return?.();
    },
  };
}
