import { SftpError, SftpStatus } from '@grid-sftp/core';
import { decodeAttrs } from './attrs-codec.js';
import { DecodeError, PayloadReader } from './packet-reader.js';
import { MessageType } from './message-types.js';
import { PacketWriter } from './packet-writer.js';
import { namePacket, okPacket, statusPacket, statvfsPacket } from './replies.js';
import type { RequestContext } from './request-context.js';

/** Advertised in VERSION, name and version, as OpenSSH's PROTOCOL §4 defines them. */
export const EXTENSIONS: readonly (readonly [string, string])[] = [
  ['posix-rename@openssh.com', '1'],
  ['statvfs@openssh.com', '2'],
  ['fstatvfs@openssh.com', '2'],
  ['fsync@openssh.com', '1'],
  ['hardlink@openssh.com', '1'],
  ['limits@openssh.com', '1'],
  ['expand-path@openssh.com', '1'],
  ['copy-data', '1'],
  ['home-directory', '1'],
  ['users-groups-by-id@openssh.com', '1'],
  ['lsetstat@openssh.com', '1'],
];

/** EXTENDED requests: each advertised extension, and OP_UNSUPPORTED for any other. */
export async function dispatchExtension(
  ctx: RequestContext,
  id: number,
  name: string,
  r: PayloadReader,
): Promise<Buffer> {
  const { session, paths, handles } = ctx;
  switch (name) {
    case 'posix-rename@openssh.com': {
      const from = paths.path(r.bytes('oldpath'));
      await session.posixRename(from, paths.path(r.bytes('newpath')));
      return okPacket(id);
    }
    case 'hardlink@openssh.com': {
      const existing = paths.path(r.bytes('oldpath'));
      await session.hardlink(existing, paths.path(r.bytes('newpath')));
      return okPacket(id);
    }
    case 'statvfs@openssh.com':
      return statvfsPacket(id, await session.statvfs(paths.path(r.bytes('path'))));
    case 'fstatvfs@openssh.com':
      // The grid's capacity is the same for every file: the handle only has to be valid.
      handles.file(r.bytes('handle'));
      return statvfsPacket(id, await session.statvfs(paths.home));
    case 'fsync@openssh.com':
      await handles.file(r.bytes('handle')).fsync();
      return okPacket(id);
    case 'lsetstat@openssh.com': {
      // No symbolic links on the grid: lsetstat and setstat are the same.
      const path = paths.path(r.bytes('path'));
      await session.setstat(path, decodeAttrs(r));
      return okPacket(id);
    }
    case 'limits@openssh.com': {
      const l = ctx.limits;
      return new PacketWriter(MessageType.EXTENDED_REPLY)
        .u32(id)
        .u64(l.maxPacketLength)
        .u64(l.maxReadLength)
        .u64(l.maxWriteLength)
        .u64(l.maxOpenHandles)
        .finish();
    }
    case 'expand-path@openssh.com':
      return namePacket(id, await session.realpath(paths.expandTilde(r.bytes('path'))));
    case 'home-directory': {
      const user = Buffer.from(r.bytes('username')).toString('utf8');
      if (user !== '' && user !== paths.user) throw new SftpError(SftpStatus.NO_SUCH_FILE, 'no such user');
      return namePacket(id, await session.realpath(paths.home));
    }
    case 'users-groups-by-id@openssh.com':
      return usersGroups(ctx, id, r.bytes('uids'), r.bytes('gids'));
    case 'copy-data': {
      const from = handles.file(r.bytes('read handle'));
      const fromOffset = r.u64('read offset');
      const length = r.u64('read length');
      const to = handles.file(r.bytes('write handle'));
      await session.copyData(from, fromOffset, length, to, r.u64('write offset'));
      return okPacket(id);
    }
    default:
      return statusPacket(id, SftpStatus.OP_UNSUPPORTED, `unsupported extension ${JSON.stringify(name)}`);
  }
}

function usersGroups(ctx: RequestContext, id: number, uidBytes: Uint8Array, gidBytes: Uint8Array): Buffer {
  const names = (bytes: Uint8Array, what: string): Buffer => {
    if (bytes.length % 4 !== 0) throw new DecodeError(`${what} is not a list of uint32`);
    const ids = new PayloadReader(Buffer.from(bytes));
    // Everything on the grid shows uid and gid 0: that is the account itself; others are unknown.
    const out = new PacketWriter(0);
    while (ids.remaining > 0) out.string(ids.u32() === 0 ? (ctx.paths.user ?? '') : '');
    return out.finish().subarray(5);
  };
  const users = names(uidBytes, 'uids');
  const groups = names(gidBytes, 'gids');
  return new PacketWriter(MessageType.EXTENDED_REPLY).u32(id).string(users).string(groups).finish();
}
