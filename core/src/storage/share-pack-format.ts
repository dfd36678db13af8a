/**
 * The record format of share packs (see share-packs.ts): append-only files that hold a local
 * node's small immutable shares, so that storing a small file costs an append per node instead of
 * a file, a rename and two fsyncs per share.
 *
 * A record, little-endian:
 *   0  "GSP1"           magic
 *   4  stamp  f64       when it was written (µs since the epoch, unique per process): of two
 *                       records for one share, the later stamp wins, whatever pack holds it
 *   12 kind   u8        1 = share, 2 = tombstone (the share was deleted)
 *   13 shnum  u8
 *   14 si     u8        length of the storage index text that follows the header
 *   15 0      u8
 *   16 length u32       payload bytes (0 for a tombstone)
 *   20 crc32  u32       over bytes 4..20, the storage index and the payload
 *   24 storage index (ASCII base32), then the payload
 *
 * The checksum finds a torn tail after a crash and a damaged record after bit rot; the payload
 * itself is a share, which readers verify against the hashes in its cap anyway.
 */
import { crc32 } from 'node:zlib';
import type { FileHandle } from 'node:fs/promises';
import { STORAGE_INDEX } from './share-checks.js';
import type { StorageIndexText } from './node.js';

const MAGIC = Buffer.from('GSP1', 'latin1');
export const RECORD_HEADER = 24;
/** The largest share a pack holds; bigger ones get a file of their own. */
export const MAX_PACKED_SHARE = 64 * 1024;
const MAX_RECORD = RECORD_HEADER + 64 + MAX_PACKED_SHARE;
const KIND_SHARE = 1;
const KIND_TOMBSTONE = 2;

export interface PackRecord {
  readonly kind: 'share' | 'tombstone';
  readonly si: StorageIndexText;
  readonly shnum: number;
  readonly stamp: number;
  /** Where the payload starts in the pack file. */
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

export function encodeRecord(
  kind: PackRecord['kind'],
  si: StorageIndexText,
  shnum: number,
  stamp: number,
  payload: Uint8Array,
): Buffer {
  if (payload.byteLength > MAX_PACKED_SHARE) throw new RangeError('share too big for a pack');
  const record = Buffer.allocUnsafe(RECORD_HEADER + si.length + payload.byteLength);
  MAGIC.copy(record, 0);
  record.writeDoubleLE(stamp, 4);
  record.writeUInt8(kind === 'share' ? KIND_SHARE : KIND_TOMBSTONE, 12);
  record.writeUInt8(shnum, 13);
  record.writeUInt8(si.length, 14);
  record.writeUInt8(0, 15);
  record.writeUInt32LE(payload.byteLength, 16);
  record.write(si, RECORD_HEADER, 'latin1');
  record.set(payload, RECORD_HEADER + si.length);
  record.writeUInt32LE(checksum(record), 20);
  return record;
}

function checksum(record: Buffer): number {
  return crc32(record.subarray(RECORD_HEADER), crc32(record.subarray(4, 20)));
}

type Decoded = { record: PackRecord; length: number } | 'incomplete' | 'invalid';

/** The record at `at` of `window`, which holds the file's bytes from `fileOffset`. */
function decodeAt(window: Buffer, at: number, fileOffset: number): Decoded {
  if (window.length - at < RECORD_HEADER) return 'incomplete';
  if (window.compare(MAGIC, 0, 4, at, at + 4) !== 0) return 'invalid';
  const kindByte = window.readUInt8(at + 12);
  const siLength = window.readUInt8(at + 14);
  const payloadLength = window.readUInt32LE(at + 16);
  const kind = kindByte === KIND_SHARE ? 'share' : kindByte === KIND_TOMBSTONE ? 'tombstone' : undefined;
  if (kind === undefined || payloadLength > MAX_PACKED_SHARE) return 'invalid';
  if (kind === 'tombstone' && payloadLength !== 0) return 'invalid';
  const length = RECORD_HEADER + siLength + payloadLength;
  if (window.length - at < length) return 'incomplete';
  const bytes = window.subarray(at, at + length);
  if (checksum(bytes) !== window.readUInt32LE(at + 20)) return 'invalid';
  const si = bytes.toString('latin1', RECORD_HEADER, RECORD_HEADER + siLength);
  const shnum = window.readUInt8(at + 13);
  if (!STORAGE_INDEX.test(si)) return 'invalid';
  return {
    record: {
      kind,
      si,
      shnum,
      stamp: window.readDoubleLE(at + 4),
      payloadOffset: fileOffset + at + RECORD_HEADER + siLength,
      payloadLength,
    },
    length,
  };
}

export interface ScanResult {
  /** Where the valid records end: the next append goes there, a later scan starts there. */
  readonly end: number;
  /** Bytes skipped over as damaged (only when scanning with `skipDamage`). */
  readonly damagedBytes: number;
}

/**
 * Reads the records of `handle` from `from` to `size`, in order.
 *
 * Without `skipDamage` the scan stops at the first record that is not whole and valid: that is
 * where a live writer is still appending (a later scan resumes there). With it, the scan looks
 * for the next valid record past the damage: for packs no one writes to any more, where a bad
 * record is bit rot or a torn tail, and must not hide the good records after it.
 */
export async function scanPack(
  handle: FileHandle,
  from: number,
  size: number,
  onRecord: (record: PackRecord) => void,
  skipDamage: boolean,
): Promise<ScanResult> {
  const window = Buffer.allocUnsafe(Math.min(Math.max(size - from, 0), 4 * MAX_RECORD));
  let base = from;
  let damagedBytes = 0;
  while (base < size) {
    const filled = await readWindow(handle, window, base, size);
    const view = window.subarray(0, filled);
    // A short read means the file ended early (it is never truncated while open, but be safe).
    const atEnd = base + filled >= size || filled < Math.min(window.length, size - base);
    let at = 0;
    for (;;) {
      const decoded = decodeAt(view, at, base);
      if (typeof decoded === 'object') {
        onRecord(decoded.record);
        at += decoded.length;
        continue;
      }
      if (decoded === 'incomplete' && !atEnd) break; // read the next window from here
      if (!skipDamage) return { end: base + at, damagedBytes };
      // Damage (or a torn tail): resume at the next magic that starts a valid record.
      const next = view.indexOf(MAGIC, at + 1);
      if (next >= 0) {
        damagedBytes += next - at;
        at = next;
        continue;
      }
      if (atEnd) return { end: size, damagedBytes: damagedBytes + filled - at };
      // No magic in the rest of this window; keep its last bytes, which may start one.
      const keep = Math.min(MAGIC.length - 1, filled - at);
      damagedBytes += filled - at - keep;
      at = filled - keep;
      break;
    }
    if (at === 0 && !atEnd) throw new Error('share pack scan made no progress'); // window < record
    base += at;
  }
  return { end: size, damagedBytes };
}

async function readWindow(handle: FileHandle, window: Buffer, base: number, size: number): Promise<number> {
  const wanted = Math.min(window.length, size - base);
  let filled = 0;
  while (filled < wanted) {
    const { bytesRead } = await handle.read(window, filled, wanted - filled, base + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}
