import type { ShareProblem } from './context.js';

/** A readable file of any kind (LIT, CHK, a mutable version): what get, SFTP reads and copies use. */
export interface FileReader {
  readonly size: number;
  /** Shares skipped so far (corrupt, missing, on a dead node): worth a warning, not a failure. */
  readonly problems: readonly ShareProblem[];
  /** Streams [offset, offset+length) clipped to the file, with readahead. */
  stream(offset?: number, length?: number): AsyncIterable<Uint8Array>;
  /**
   * Optional: as stream, but a chunk may be a view that is valid only until the loop asks for the
   * next one (no copy per chunk). Use through `chunksOf`, and only when each chunk is fully used
   * (say, awaited into a file) before the next is pulled.
   */
  chunks?(offset?: number, length?: number): AsyncIterable<Uint8Array>;
  /** Random access; shorter at the end of the file, empty past it. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: random access into the caller's buffer, returning how many bytes were copied
   * (fewer at the end of the file, 0 past it). Saves the allocation `read` makes per call.
   */
  readInto?(offset: number, target: Uint8Array): Promise<number>;
}

/** A file held entirely in memory (LIT caps, small files). */
export function memoryFileReader(data: Uint8Array): FileReader {
  return {
    size: data.length,
    problems: [],
    // eslint-disable-next-line @typescript-eslint/require-await -- same shape as the streaming readers
    stream: async function* (offset = 0, length = data.length) {
      const piece = data.subarray(offset, Math.min(data.length, offset + length));
      if (piece.length > 0) yield piece;
    },
    read: (offset, length) => Promise.resolve(data.subarray(offset, Math.min(data.length, offset + length))),
  };
}

/** The file's bytes as chunks that may be reused after the next pull (see FileReader.chunks). */
export function chunksOf(reader: FileReader, offset?: number, length?: number): AsyncIterable<Uint8Array> {
  return reader.chunks?.(offset, length) ?? reader.stream(offset, length);
}
