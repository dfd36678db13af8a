import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  NotSupportedError,
  SftpError,
  SftpStatus,
  type DirectoryListingEntry,
  type FileSystemSessionApi,
  type SessionDirectoryHandle,
  type SessionFileHandle,
  type SftpAttrs,
  type StatVfs,
} from '@grid-sftp/core';
import { decodeAttrs, encodeAttrs } from './attrs-codec.js';
import { DecodeError, FramingError, PacketReader, PayloadReader } from './packet-reader.js';
import { PacketWriter } from './packet-writer.js';

/**
 * Our SFTP version 3 server (DESIGN §4): ssh2's own cannot advertise extensions nor send extended
 * replies. It runs over any duplex stream and stays thin: decode, call the session, encode.
 *
 * Ordering rule: READ and WRITE start as soon as every earlier non-READ/WRITE request has been
 * answered, and run concurrently with each other (the session orders work on one handle). Every
 * other request starts only once every earlier request, READ and WRITE included, has been answered.
 * So OPEN(CREAT) followed by LSTAT is answered in that order, and CLOSE sees its writes done.
 */

export const MessageType = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  READLINK: 19,
  SYMLINK: 20,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
  NAME: 104,
  ATTRS: 105,
  EXTENDED: 200,
  EXTENDED_REPLY: 201,
} as const;

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

export interface SftpLimits {
  /** Largest packet accepted, counted as its length field (type byte + payload), as OpenSSH does. */
  readonly maxPacketLength: number;
  /** READ lengths are clamped to this; advertised so clients ask for this much. */
  readonly maxReadLength: number;
  /** Advertised WRITE size; a bigger one within the packet limit is still accepted. */
  readonly maxWriteLength: number;
  /** Open file and directory handles per session; the next OPEN/OPENDIR gets FAILURE. */
  readonly maxOpenHandles: number;
  /** Requests received and not yet answered; past it we stop reading the stream (backpressure). */
  readonly maxRequestsInFlight: number;
}

/** OpenSSH's numbers: 256 KiB packets, 255 KiB reads and writes (1 KiB left for headers). */
export const DEFAULT_LIMITS: SftpLimits = {
  maxPacketLength: 256 * 1024,
  maxReadLength: 255 * 1024,
  maxWriteLength: 255 * 1024,
  maxOpenHandles: 256,
  maxRequestsInFlight: 64,
};

export interface SftpServerOptions {
  readonly limits?: Partial<SftpLimits>;
  /** The account's home directory: relative paths start there (default `/`, the root cap). */
  readonly home?: string;
  /** The account name, for home-directory, `~user` and users-groups-by-id (uid and gid 0). */
  readonly user?: string;
  /** Told why the server dropped a peer (malformed framing, protocol violation). */
  readonly onDisconnect?: (reason: string) => void;
}

type HandleEntry =
  | { readonly kind: 'file'; readonly handle: SessionFileHandle }
  | { readonly kind: 'dir'; readonly handle: SessionDirectoryHandle; pending: DirectoryListingEntry[] };

const ST_RDONLY = 0x1;
const ST_NOSUID = 0x2;
const encoder = new TextEncoder();

export class SftpServer {
  readonly limits: SftpLimits;
  /** Why the peer was disconnected, when it was. */
  disconnectReason: string | undefined;

  private readonly home: string;
  private readonly handles = new Map<string, HandleEntry>();
  private readonly handlePrefix = randomBytes(4);
  private handleCounter = 0;
  private reservedHandles = 0;
  private stream: Duplex | undefined;
  private reader: PacketReader;
  private initialized = false;
  private closed = false;
  private outputBlocked = false;
  private inFlight = 0;
  /** Answered when the last non-READ/WRITE request is. */
  private barrier: Promise<void> = Promise.resolve();
  /** READ/WRITE requests started after the barrier and not yet answered. */
  private readonly sinceBarrier = new Set<Promise<void>>();
  private readonly running = new Set<Promise<void>>();
  private finished: (() => void) | undefined;

  constructor(
    private readonly session: FileSystemSessionApi,
    private readonly options: SftpServerOptions = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.home = options.home ?? '/';
    this.reader = new PacketReader(this.limits.maxPacketLength);
  }

  /** Serves the stream; resolves when it ends, after the session has ended and every handle closed. */
  attach(stream: Duplex): Promise<void> {
    if (this.stream !== undefined) return Promise.reject(new Error('SftpServer serves one stream'));
    this.stream = stream;
    const done = new Promise<void>((resolve) => (this.finished = resolve));
    stream.on('data', (chunk: Buffer | string) => {
      if (this.closed) return;
      this.reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      this.pump();
    });
    const stop = (): void => void this.shutdown();
    stream.on('end', stop);
    stream.on('close', stop);
    stream.on('error', stop);
    stream.on('drain', () => {
      this.outputBlocked = false;
      this.pump();
    });
    return done;
  }

  /** Takes whole packets while under the in-flight cap, and pauses the stream otherwise. */
  private pump(): void {
    const stream = this.stream;
    if (this.closed || stream === undefined) return;
    try {
      while (this.inFlight < this.limits.maxRequestsInFlight && !this.outputBlocked) {
        const packet = this.reader.next();
        if (packet === undefined) break;
        this.onPacket(packet);
        if (this.closed) return;
      }
    } catch (error) {
      if (error instanceof FramingError) return this.disconnect(error.message);
      throw error;
    }
    if (this.inFlight < this.limits.maxRequestsInFlight && !this.outputBlocked) stream.resume();
    else stream.pause();
  }

  private onPacket(packet: Buffer): void {
    const type = packet[0];
    if (!this.initialized) {
      if (type !== MessageType.INIT) return this.disconnect('the first packet must be INIT');
      this.initialized = true;
      // The client's version and extensions change nothing: we speak version 3 whatever it asks.
      return this.send(this.versionPacket());
    }
    if (type === MessageType.INIT) return this.disconnect('duplicate INIT');
    if (packet.length < 5) return this.disconnect(`packet of type ${type} too short for a request id`);
    const id = packet.readUInt32BE(1);
    const payload = new PayloadReader(packet.subarray(5));
    this.schedule(id, type === MessageType.READ || type === MessageType.WRITE, () =>
      this.dispatch(type ?? 0, id, payload),
    );
  }

  /** Runs a request under the ordering rule (see the top of this file) and sends its answer. */
  private schedule(id: number, concurrent: boolean, work: () => Promise<Buffer>): void {
    this.inFlight++;
    const start = concurrent
      ? this.barrier
      : Promise.all([this.barrier, ...this.sinceBarrier]).then(() => undefined);
    const answered = start
      .then(() => {
        if (this.closed) throw new SftpError(SftpStatus.CONNECTION_LOST, 'disconnected');
        return work();
      })
      .catch((error: unknown) => this.errorStatus(id, error))
      .then((reply) => this.send(reply))
      .finally(() => {
        this.inFlight--;
        this.running.delete(answered);
        this.sinceBarrier.delete(answered);
        this.pump();
      });
    this.running.add(answered);
    if (concurrent) {
      this.sinceBarrier.add(answered);
    } else {
      this.barrier = answered;
      this.sinceBarrier.clear();
    }
  }

  private send(packet: Buffer): void {
    const stream = this.stream;
    if (this.closed || stream === undefined || stream.destroyed || !stream.writable) return;
    if (!stream.write(packet)) this.outputBlocked = true;
  }

  /** The peer broke the protocol: the framing can no longer be trusted, so we drop it. */
  private disconnect(reason: string): void {
    if (this.closed) return;
    this.disconnectReason = reason;
    this.options.onDisconnect?.(reason);
    this.stream?.destroy(new Error(`SFTP protocol error: ${reason}`));
    void this.shutdown();
  }

  private async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.pause();
    // The session first: it abandons files open for writing, so closing them commits nothing.
    await this.session.end().catch(() => undefined);
    await Promise.allSettled([...this.running]);
    const entries = [...this.handles.values()];
    this.handles.clear();
    await Promise.allSettled(entries.map((entry) => entry.handle.close()));
    const stream = this.stream;
    if (stream !== undefined && !stream.destroyed && stream.writable) stream.end();
    this.finished?.();
  }

  private versionPacket(): Buffer {
    const writer = new PacketWriter(MessageType.VERSION).u32(3);
    for (const [name, version] of EXTENSIONS) writer.string(name).string(version);
    return writer.finish();
  }

  private errorStatus(id: number, error: unknown): Buffer {
    if (error instanceof SftpError) return statusPacket(id, error.status, error.message);
    if (error instanceof DecodeError) return statusPacket(id, SftpStatus.BAD_MESSAGE, error.message);
    if (error instanceof NotSupportedError) return statusPacket(id, SftpStatus.OP_UNSUPPORTED, error.message);
    // Anything else is our bug: its message might hold a cap, so the client gets a plain FAILURE.
    return statusPacket(id, SftpStatus.FAILURE, 'internal error');
  }

  private async dispatch(type: number, id: number, r: PayloadReader): Promise<Buffer> {
    const ok = (): Buffer => statusPacket(id, SftpStatus.OK, '');
    switch (type) {
      case MessageType.OPEN: {
        const path = this.path(r.bytes('filename'));
        const flags = r.u32('pflags');
        const attrs = decodeAttrs(r);
        return this.openHandle(id, async () => ({
          kind: 'file',
          handle: await this.session.open(path, flags, attrs),
        }));
      }
      case MessageType.OPENDIR: {
        const path = this.path(r.bytes('path'));
        return this.openHandle(id, async () => ({
          kind: 'dir',
          handle: await this.session.opendir(path),
          pending: [],
        }));
      }
      case MessageType.CLOSE: {
        const key = handleKey(r.bytes('handle'));
        const entry = this.lookup(key);
        // Out of the table first: a CLOSE that fails (a failed commit) still frees the handle.
        this.handles.delete(key);
        await entry.handle.close();
        return ok();
      }
      case MessageType.READ: {
        const file = this.file(r.bytes('handle'));
        const offset = r.u64('offset');
        const length = Math.min(r.u32('length'), this.limits.maxReadLength);
        const data = await file.read(offset, length);
        return new PacketWriter(MessageType.DATA, data.length + 16).u32(id).string(data).finish();
      }
      case MessageType.WRITE: {
        const file = this.file(r.bytes('handle'));
        const offset = r.u64('offset');
        await file.write(offset, r.bytes('data'));
        return ok();
      }
      case MessageType.LSTAT:
        return attrsPacket(id, await this.session.lstat(this.path(r.bytes('path'))));
      case MessageType.STAT:
        return attrsPacket(id, await this.session.stat(this.path(r.bytes('path'))));
      case MessageType.FSTAT:
        return attrsPacket(id, await this.file(r.bytes('handle')).fstat());
      case MessageType.SETSTAT: {
        const path = this.path(r.bytes('path'));
        await this.session.setstat(path, decodeAttrs(r));
        return ok();
      }
      case MessageType.FSETSTAT: {
        const file = this.file(r.bytes('handle'));
        await file.fsetstat(decodeAttrs(r));
        return ok();
      }
      case MessageType.READDIR:
        return this.readdir(id, r.bytes('handle'));
      case MessageType.REMOVE:
        await this.session.remove(this.path(r.bytes('filename')));
        return ok();
      case MessageType.MKDIR: {
        const path = this.path(r.bytes('path'));
        await this.session.mkdir(path, decodeAttrs(r));
        return ok();
      }
      case MessageType.RMDIR:
        await this.session.rmdir(this.path(r.bytes('path')));
        return ok();
      case MessageType.REALPATH:
        return namePacket(id, await this.session.realpath(this.path(r.bytes('path'))));
      case MessageType.RENAME: {
        const from = this.path(r.bytes('oldpath'));
        await this.session.rename(from, this.path(r.bytes('newpath')));
        return ok();
      }
      case MessageType.READLINK:
        return namePacket(id, await this.session.readlink(this.path(r.bytes('path'))));
      case MessageType.SYMLINK: {
        // OpenSSH sends the target first and the link second (PROTOCOL §4.1); we follow it.
        const target = this.path(r.bytes('targetpath'));
        await this.session.symlink(this.path(r.bytes('linkpath')), target);
        return ok();
      }
      case MessageType.EXTENDED:
        return this.extended(id, Buffer.from(r.bytes('extended request')).toString('latin1'), r);
      default:
        return statusPacket(id, SftpStatus.OP_UNSUPPORTED, `unsupported request type ${type}`);
    }
  }

  private async extended(id: number, name: string, r: PayloadReader): Promise<Buffer> {
    const ok = (): Buffer => statusPacket(id, SftpStatus.OK, '');
    switch (name) {
      case 'posix-rename@openssh.com': {
        const from = this.path(r.bytes('oldpath'));
        await this.session.posixRename(from, this.path(r.bytes('newpath')));
        return ok();
      }
      case 'hardlink@openssh.com': {
        const existing = this.path(r.bytes('oldpath'));
        await this.session.hardlink(existing, this.path(r.bytes('newpath')));
        return ok();
      }
      case 'statvfs@openssh.com':
        return statvfsPacket(id, await this.session.statvfs(this.path(r.bytes('path'))));
      case 'fstatvfs@openssh.com':
        // The grid's capacity is the same for every file: the handle only has to be valid.
        this.file(r.bytes('handle'));
        return statvfsPacket(id, await this.session.statvfs(this.home));
      case 'fsync@openssh.com':
        await this.file(r.bytes('handle')).fsync();
        return ok();
      case 'lsetstat@openssh.com': {
        // No symbolic links on the grid: lsetstat and setstat are the same.
        const path = this.path(r.bytes('path'));
        await this.session.setstat(path, decodeAttrs(r));
        return ok();
      }
      case 'limits@openssh.com': {
        const l = this.limits;
        return new PacketWriter(MessageType.EXTENDED_REPLY)
          .u32(id)
          .u64(l.maxPacketLength)
          .u64(l.maxReadLength)
          .u64(l.maxWriteLength)
          .u64(l.maxOpenHandles)
          .finish();
      }
      case 'expand-path@openssh.com':
        return namePacket(id, await this.session.realpath(this.expandTilde(r.bytes('path'))));
      case 'home-directory': {
        const user = Buffer.from(r.bytes('username')).toString('utf8');
        if (user !== '' && user !== this.options.user)
          throw new SftpError(SftpStatus.NO_SUCH_FILE, 'no such user');
        return namePacket(id, await this.session.realpath(this.home));
      }
      case 'users-groups-by-id@openssh.com':
        return this.usersGroups(id, r.bytes('uids'), r.bytes('gids'));
      case 'copy-data': {
        const from = this.file(r.bytes('read handle'));
        const fromOffset = r.u64('read offset');
        const length = r.u64('read length');
        const to = this.file(r.bytes('write handle'));
        await this.session.copyData(from, fromOffset, length, to, r.u64('write offset'));
        return ok();
      }
      default:
        return statusPacket(id, SftpStatus.OP_UNSUPPORTED, `unsupported extension ${JSON.stringify(name)}`);
    }
  }

  /** Reserves a slot before the (slow) open, so the cap holds even with opens in flight. */
  private async openHandle(id: number, open: () => Promise<HandleEntry>): Promise<Buffer> {
    if (this.handles.size + this.reservedHandles >= this.limits.maxOpenHandles)
      throw new SftpError(SftpStatus.FAILURE, `too many open handles (${this.limits.maxOpenHandles})`);
    this.reservedHandles++;
    let entry: HandleEntry;
    try {
      entry = await open();
    } finally {
      this.reservedHandles--;
    }
    if (this.closed) {
      await entry.handle.close().catch(() => undefined);
      throw new SftpError(SftpStatus.CONNECTION_LOST, 'disconnected');
    }
    const handle = Buffer.alloc(8);
    this.handlePrefix.copy(handle, 0);
    handle.writeUInt32BE(this.handleCounter++ >>> 0, 4);
    this.handles.set(handleKey(handle), entry);
    return new PacketWriter(MessageType.HANDLE).u32(id).string(handle).finish();
  }

  private lookup(key: string): HandleEntry {
    const entry = this.handles.get(key);
    if (entry === undefined) throw new SftpError(SftpStatus.FAILURE, 'invalid handle');
    return entry;
  }

  private file(handle: Uint8Array): SessionFileHandle {
    const entry = this.lookup(handleKey(handle));
    if (entry.kind !== 'file') throw new SftpError(SftpStatus.FAILURE, 'not a file handle');
    return entry.handle;
  }

  /** Sends as many entries as fit in a packet the client accepts; the rest wait for the next READDIR. */
  private async readdir(id: number, handle: Uint8Array): Promise<Buffer> {
    const entry = this.lookup(handleKey(handle));
    if (entry.kind !== 'dir') throw new SftpError(SftpStatus.FAILURE, 'not a directory handle');
    if (entry.pending.length === 0) entry.pending = await entry.handle.readdir();
    const writer = new PacketWriter(MessageType.NAME, 4096).u32(id).u32(0);
    let count = 0;
    for (const item of entry.pending) {
      const before = writer.size;
      writer.string(item.filename).string(item.longname);
      encodeAttrs(writer, item.attrs);
      if (writer.size > this.limits.maxPacketLength && count > 0) {
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

  private usersGroups(id: number, uidBytes: Uint8Array, gidBytes: Uint8Array): Buffer {
    const names = (bytes: Uint8Array, what: string): Buffer => {
      if (bytes.length % 4 !== 0) throw new DecodeError(`${what} is not a list of uint32`);
      const ids = new PayloadReader(Buffer.from(bytes));
      // Everything on the grid shows uid and gid 0: that is the account itself; others are unknown.
      const out = new PacketWriter(0);
      while (ids.remaining > 0) out.string(ids.u32() === 0 ? (this.options.user ?? '') : '');
      return out.finish().subarray(5);
    };
    const users = names(uidBytes, 'uids');
    const groups = names(gidBytes, 'gids');
    return new PacketWriter(MessageType.EXTENDED_REPLY).u32(id).string(users).string(groups).finish();
  }

  /** Relative paths start at the home directory, as after `cd ~` on a Unix server. */
  private path(bytes: Uint8Array): Uint8Array {
    if (bytes[0] === 0x2f || this.home === '/') return bytes;
    return bytes.length === 0
      ? encoder.encode(this.home)
      : concatBytes(encoder.encode(`${this.home}/`), bytes);
  }

  /** `~` and `~/…` (and `~user` for our own user) are the home directory; other users are unknown. */
  private expandTilde(bytes: Uint8Array): Uint8Array {
    if (bytes[0] !== 0x7e) return this.path(bytes);
    const slash = bytes.indexOf(0x2f);
    const user = Buffer.from(bytes.subarray(1, slash === -1 ? bytes.length : slash)).toString('utf8');
    if (user !== '' && user !== this.options.user)
      throw new SftpError(SftpStatus.NO_SUCH_FILE, 'no such user');
    const rest = slash === -1 ? new Uint8Array(0) : bytes.subarray(slash + 1);
    return concatBytes(encoder.encode(this.home.endsWith('/') ? this.home : `${this.home}/`), rest);
  }
}

function handleKey(handle: Uint8Array): string {
  return Buffer.from(handle.buffer, handle.byteOffset, handle.byteLength).toString('latin1');
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function statusPacket(id: number, status: number, message: string): Buffer {
  return new PacketWriter(MessageType.STATUS).u32(id).u32(status).string(message).string('').finish();
}

function attrsPacket(id: number, attrs: SftpAttrs): Buffer {
  const writer = new PacketWriter(MessageType.ATTRS).u32(id);
  encodeAttrs(writer, attrs);
  return writer.finish();
}

/** One name, as OpenSSH answers REALPATH: the path as both name and long name, empty attributes. */
function namePacket(id: number, path: string): Buffer {
  return new PacketWriter(MessageType.NAME).u32(id).u32(1).string(path).string(path).u32(0).finish();
}

function statvfsPacket(id: number, s: StatVfs): Buffer {
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
