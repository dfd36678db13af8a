import { SftpError, SftpStatus } from '@grid-sftp/core';
import { decodeAttrs, encodeAttrs } from './attrs-codec.js';
import type { HandleEntry } from './handle-table.js';
import { MessageType } from './message-types.js';
import type { PayloadReader } from './packet-reader.js';
import { PacketWriter } from './packet-writer.js';
import { attrsPacket, DATA_HEADER, dataPacket, dataPacketAround, handlePacket, okPacket } from './replies.js';
import type { RequestContext } from './request-context.js';

/** Requests on handles: OPEN, OPENDIR, READ, WRITE, READDIR, FSTAT, FSETSTAT, CLOSE. */
export function dispatchHandleRequest(
  ctx: RequestContext,
  type: number,
  id: number,
  r: PayloadReader,
): Promise<Buffer> | undefined {
  switch (type) {
    case MessageType.OPEN: {
      const path = ctx.paths.path(r.bytes('filename'));
      const flags = r.u32('pflags');
      const attrs = decodeAttrs(r);
      return openHandle(ctx, id, async () => ({
        kind: 'file',
        handle: await ctx.session.open(path, flags, attrs),
      }));
    }
    case MessageType.OPENDIR: {
      const path = ctx.paths.path(r.bytes('path'));
      return openHandle(ctx, id, async () => ({
        kind: 'dir',
        handle: await ctx.session.opendir(path),
        pending: [],
      }));
    }
    case MessageType.CLOSE: {
      // Out of the table first: a CLOSE that fails (a failed commit) still frees the handle.
      const entry = ctx.handles.take(r.bytes('handle'));
      return entry.handle.close().then(() => okPacket(id));
    }
    case MessageType.READ: {
      const file = ctx.handles.file(r.bytes('handle'));
      const offset = r.u64('offset');
      const length = Math.min(r.u32('length'), ctx.limits.maxReadLength);
      if (file.readInto === undefined)
        return file.read(offset, length).then((data) => dataPacket(id, data, ctx.allocateData));
      // The bytes land in the reply itself; a short read (end of file) shortens it.
      const packet = ctx.allocateData(DATA_HEADER + length);
      return file
        .readInto(offset, packet.subarray(DATA_HEADER, DATA_HEADER + length))
        .then((count) => dataPacketAround(packet, id, count));
    }
    case MessageType.WRITE: {
      const file = ctx.handles.file(r.bytes('handle'));
      const offset = r.u64('offset');
      return file.write(offset, r.bytes('data')).then(() => okPacket(id));
    }
    case MessageType.FSTAT:
      return ctx.handles
        .file(r.bytes('handle'))
        .fstat()
        .then((attrs) => attrsPacket(id, attrs));
    case MessageType.FSETSTAT: {
      const file = ctx.handles.file(r.bytes('handle'));
      return file.fsetstat(decodeAttrs(r)).then(() => okPacket(id));
    }
    case MessageType.READDIR:
      return readdir(ctx, id, r.bytes('handle'));
    default:
      return undefined;
  }
}

async function openHandle(
  ctx: RequestContext,
  id: number,
  open: () => Promise<HandleEntry>,
): Promise<Buffer> {
  const { name, entry } = await ctx.handles.open(open);
  if (ctx.closed()) {
    ctx.handles.take(name);
    await entry.handle.close().catch(() => undefined);
    throw new SftpError(SftpStatus.CONNECTION_LOST, 'disconnected');
  }
  return handlePacket(id, name);
}

/** Sends as many entries as fit in a packet the client accepts; the rest wait for the next READDIR. */
async function readdir(ctx: RequestContext, id: number, handle: Uint8Array): Promise<Buffer> {
  const entry = ctx.handles.dir(handle);
  if (entry.pending.length === 0) entry.pending = await entry.handle.readdir();
  const writer = new PacketWriter(MessageType.NAME, 4096).u32(id).u32(0);
  let count = 0;
  for (const item of entry.pending) {
    const before = writer.size;
    writer.string(item.filename).string(item.longname);
    encodeAttrs(writer, item.attrs);
    if (writer.size > ctx.limits.maxPacketLength && count > 0) {
      writer.truncate(before);
      break;
    }
    count++;
  }
  entry.pending = entry.pending.slice(count);
  const packet = writer.finish();
  packet.writeUInt32BE(count, 9); // length(4) + type(1) + id(4)
  return packet;
}
