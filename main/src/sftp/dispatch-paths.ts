import { decodeAttrs } from './attrs-codec.js';
import { MessageType } from './message-types.js';
import type { PayloadReader } from './packet-reader.js';
import { attrsPacket, namePacket, okPacket } from './replies.js';
import type { RequestContext } from './request-context.js';

/** Requests on paths: STAT, LSTAT, SETSTAT, REMOVE, MKDIR, RMDIR, REALPATH, RENAME, links. */
export function dispatchPathRequest(
  ctx: RequestContext,
  type: number,
  id: number,
  r: PayloadReader,
): Promise<Buffer> | undefined {
  const { session, paths } = ctx;
  switch (type) {
    case MessageType.LSTAT:
      return session.lstat(paths.path(r.bytes('path'))).then((attrs) => attrsPacket(id, attrs));
    case MessageType.STAT:
      return session.stat(paths.path(r.bytes('path'))).then((attrs) => attrsPacket(id, attrs));
    case MessageType.SETSTAT: {
      const path = paths.path(r.bytes('path'));
      return session.setstat(path, decodeAttrs(r)).then(() => okPacket(id));
    }
    case MessageType.REMOVE:
      return session.remove(paths.path(r.bytes('filename'))).then(() => okPacket(id));
    case MessageType.MKDIR: {
      const path = paths.path(r.bytes('path'));
      return session.mkdir(path, decodeAttrs(r)).then(() => okPacket(id));
    }
    case MessageType.RMDIR:
      return session.rmdir(paths.path(r.bytes('path'))).then(() => okPacket(id));
    case MessageType.REALPATH:
      return session.realpath(paths.path(r.bytes('path'))).then((path) => namePacket(id, path));
    case MessageType.RENAME: {
      const from = paths.path(r.bytes('oldpath'));
      return session.rename(from, paths.path(r.bytes('newpath'))).then(() => okPacket(id));
    }
    case MessageType.READLINK:
      return session.readlink(paths.path(r.bytes('path'))).then((path) => namePacket(id, path));
    case MessageType.SYMLINK: {
      // OpenSSH sends the target first and the link second (PROTOCOL §4.1); we follow it.
      const target = paths.path(r.bytes('targetpath'));
      return session.symlink(paths.path(r.bytes('linkpath')), target).then(() => okPacket(id));
    }
    default:
      return undefined;
  }
}
