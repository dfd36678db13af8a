// Input files for the grid runs: random bytes (fresh content, incompressible, never deduplicated),
// written before any timing starts, with their SHA-256 taken on the way so the round trip can be
// checked without reading the file again.
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

const CHUNK = 8 * 1024 * 1024;

export function writeRandomFile(path, totalBytes) {
  const buffer = Buffer.alloc(CHUNK);
  const hash = createHash('sha256');
  const fd = openSync(path, 'wx');
  try {
    for (let done = 0; done < totalBytes;) {
      const piece = buffer.subarray(0, Math.min(CHUNK, totalBytes - done));
      randomFillSync(piece);
      hash.update(piece);
      for (let written = 0; written < piece.length;) {
        written += writeSync(fd, piece, written, piece.length - written);
      }
      done += piece.length;
    }
    // Flush now, untimed: left dirty, the kernel would write it back in the middle of the put
    // and the put would be charged for the source file's disk writes.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) hash.update(chunk);
  return hash.digest('hex');
}
