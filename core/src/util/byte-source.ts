import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/**
 * Content to upload: its size up front (the share layout depends on it) and a way to stream it
 * from the start, more than once (a convergent key reads the content before encrypting it).
 */
export interface ByteSource {
  readonly size: number;
  open(): AsyncIterable<Uint8Array>;
}

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
  return { size: info.size, open: () => createReadStream(path, { highWaterMark: 1024 * 1024 }) };
}

export class SourceChangedError extends Error {
  constructor(expected: number, actual: number) {
    super(`the content changed while it was read (expected ${expected} bytes, got ${actual})`);
    this.name = 'SourceChangedError';
  }
}

/**
 * Re-cuts a stream into fresh buffers of exactly `size` bytes (the last one shorter). Fresh
 * buffers matter: they are moved to worker threads, which a slice of a pooled Buffer cannot be.
 */
export async function* fixedChunks(stream: AsyncIterable<Uint8Array>, size: number, total: number): AsyncGenerator<Uint8Array> {
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
