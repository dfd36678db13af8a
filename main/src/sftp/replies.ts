import { SftpStatus, type SftpAttrs, type StatVfs } from '@grid-sftp/core';
import { encodeAttrs } from './attrs-codec.js';
import { MessageType } from './message-types.js';
import { PacketWriter } from './packet-writer.js';

/** Encoding of the replies (draft-ietf-secsh-filexfer-02 §7, OpenSSH PROTOCOL §4). */

const ST_RDONLY = 0x1;
const ST_NOSUID = 0x2;

export function statusPacket(id: number, status: number, message: string): Buffer {
  return new PacketWriter(MessageType.STATUS).u32(id).u32(status).string(message).string('').finish();
}

export function okPacket(id: number): Buffer {
  return statusPacket(id, SftpStatus.OK, '');
}

export function attrsPacket(id: number, attrs: SftpAttrs): Buffer {
  const writer = new PacketWriter(MessageType.ATTRS).u32(id);
  encodeAttrs(writer, attrs);
  return writer.finish();
}

export function handlePacket(id: number, handle: Uint8Array): Buffer {
  return new PacketWriter(MessageType.HANDLE).u32(id).string(handle).finish();
}

/** Bytes before a DATA reply's data: length, type, request id, and the data's length. */
export const DATA_HEADER = 13;

/** `allocate` gives the reply's memory (the server's pool of DATA replies). */
export function dataPacket(
  id: number,
  data: Uint8Array,
  allocate: (length: number) => Buffer = (length) => Buffer.allocUnsafe(length),
): Buffer {
  const packet = allocate(DATA_HEADER + data.length);
  packet.set(data, DATA_HEADER);
  return dataPacketAround(packet, id, data.length);
}

/** The DATA reply whose `count` data bytes already sit in `packet` after DATA_HEADER. */
export function dataPacketAround(packet: Buffer, id: number, count: number): Buffer {
  packet.writeUInt32BE(DATA_HEADER - 4 + count, 0);
  packet[4] = MessageType.DATA;
  packet.writeUInt32BE(id, 5);
  packet.writeUInt32BE(count, 9);
  return packet.subarray(0, DATA_HEADER + count);
}

/** One name, as OpenSSH answers REALPATH: the path as both name and long name, empty attributes. */
export function namePacket(id: number, path: string): Buffer {
  return new PacketWriter(MessageType.NAME).u32(id).u32(1).string(path).string(path).u32(0).finish();
}

export function statvfsPacket(id: number, s: StatVfs): Buffer {
  const writer = new PacketWriter(MessageType.EXTENDED_REPLY).u32(id);
  const fields = [
    s.blockSize,
    s.fragmentSize,
    s.blocks,
    s.blocksFree,
    s.blocksAvailable,
    s.files,
    s.filesFree,
    s.filesAvailable,
    s.fsid,
  ];
  for (const field of fields) writer.u64(Number.isFinite(field) ? Math.max(0, Math.trunc(field)) : 0);
  // Nothing on the grid executes, so nosuid always holds.
  writer.u64((s.readOnly ? ST_RDONLY : 0) | ST_NOSUID);
  writer.u64(Number.isFinite(s.nameMax) ? Math.max(0, Math.trunc(s.nameMax)) : 0);
  return writer.finish();
}
