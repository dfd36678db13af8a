import type { SftpAttrs } from '@grid-sftp/core';
import type { PacketWriter } from './packet-writer.js';
import type { PayloadReader } from './packet-reader.js';

/** ATTRS flags of SFTP v3 (draft-ietf-secsh-filexfer-02 §5). */
export const AttrFlags = {
  SIZE: 0x1,
  UIDGID: 0x2,
  PERMISSIONS: 0x4,
  ACMODTIME: 0x8,
  EXTENDED: 0x80000000,
} as const;

type MutableAttrs = { -readonly [K in keyof SftpAttrs]: SftpAttrs[K] };

/**
 * Decodes ATTRS. Extended attribute pairs are read (to stay in step with the fields after them)
 * and dropped: the grid stores none. Unknown flag bits carry no fields in v3 and are ignored, as
 * OpenSSH does.
 */
export function decodeAttrs(reader: PayloadReader): SftpAttrs {
  const flags = reader.u32('attribute flags');
  const attrs: MutableAttrs = {};
  if (flags & AttrFlags.SIZE) attrs.size = reader.u64('size');
  if (flags & AttrFlags.UIDGID) {
    attrs.uid = reader.u32('uid');
    attrs.gid = reader.u32('gid');
  }
  if (flags & AttrFlags.PERMISSIONS) attrs.permissions = reader.u32('permissions');
  if (flags & AttrFlags.ACMODTIME) {
    attrs.atime = reader.u32('atime');
    attrs.mtime = reader.u32('mtime');
  }
  if (flags & AttrFlags.EXTENDED) {
    const count = reader.u32('extended count');
    for (let i = 0; i < count; i++) {
      reader.bytes('extended type');
      reader.bytes('extended data');
    }
  }
  return attrs;
}

/** Encodes ATTRS; uid and gid, and atime and mtime, travel in pairs, so one alone is sent with 0. */
export function encodeAttrs(writer: PacketWriter, attrs: SftpAttrs): void {
  let flags = 0;
  if (attrs.size !== undefined) flags |= AttrFlags.SIZE;
  if (attrs.uid !== undefined || attrs.gid !== undefined) flags |= AttrFlags.UIDGID;
  if (attrs.permissions !== undefined) flags |= AttrFlags.PERMISSIONS;
  if (attrs.atime !== undefined || attrs.mtime !== undefined) flags |= AttrFlags.ACMODTIME;
  writer.u32(flags);
  if (attrs.size !== undefined) writer.u64(Math.max(0, Math.trunc(attrs.size)));
  if (flags & AttrFlags.UIDGID) writer.u32(attrs.uid ?? 0).u32(attrs.gid ?? 0);
  if (attrs.permissions !== undefined) writer.u32(attrs.permissions);
  if (flags & AttrFlags.ACMODTIME) writer.u32(attrs.atime ?? attrs.mtime ?? 0).u32(attrs.mtime ?? 0);
}
