/**
 * A tiny SFTP v3 client for the protocol tests: encodes requests, matches replies by id, and
 * records the order replies arrive in. It drives SftpServer over an in-memory duplex pair.
 */
import { duplexPair, type Duplex } from 'node:stream';
import type { FileSystemSessionApi, SftpAttrs } from '@grid-sftp/core';
import { decodeAttrs, encodeAttrs } from '../../src/sftp/attrs-codec.js';
import { PacketReader, PayloadReader } from '../../src/sftp/packet-reader.js';
import { PacketWriter } from '../../src/sftp/packet-writer.js';
import { MessageType, SftpServer, type SftpServerOptions } from '../../src/sftp/server.js';

export const T = MessageType;

export interface Reply {
  readonly type: number;
  readonly id: number;
  readonly r: PayloadReader;
}

export interface Status {
  readonly code: number;
  readonly message: string;
}

export class TestClient {
  private nextId = 1;
  private readonly reader = new PacketReader(16 * 1024 * 1024);
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private versionWaiter: ((reply: PayloadReader) => void) | undefined;
  /** Ids of replies in the order they arrived. */
  readonly order: number[] = [];
  closed = false;

  constructor(readonly stream: Duplex) {
    stream.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      for (let packet = this.reader.next(); packet !== undefined; packet = this.reader.next())
        this.onPacket(packet);
    });
    stream.on('close', () => (this.closed = true));
    stream.on('end', () => (this.closed = true));
    stream.on('error', () => (this.closed = true));
  }

  private onPacket(packet: Buffer): void {
    const r = new PayloadReader(packet.subarray(1));
    const type = packet[0] ?? 0;
    if (type === T.VERSION) {
      this.versionWaiter?.(r);
      return;
    }
    const id = r.u32();
    this.order.push(id);
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    resolve?.({ type, id, r });
  }

  /** Sends INIT and returns the version and the advertised extensions. */
  async init(): Promise<{ version: number; extensions: Map<string, string> }> {
    const reply = new Promise<PayloadReader>((resolve) => (this.versionWaiter = resolve));
    this.raw(new PacketWriter(T.INIT).u32(3).finish());
    const r = await reply;
    const version = r.u32();
    const extensions = new Map<string, string>();
    while (r.remaining > 0) extensions.set(str(r.bytes()), str(r.bytes()));
    return { version, extensions };
  }

  raw(bytes: Uint8Array): void {
    this.stream.write(bytes);
  }

  /** Sends a request (fields appended by `build`) and returns its id and the promise of its reply. */
  send(
    type: number,
    build: (w: PacketWriter) => void = () => undefined,
  ): { id: number; reply: Promise<Reply> } {
    const id = this.nextId++;
    const w = new PacketWriter(type).u32(id);
    build(w);
    const reply = new Promise<Reply>((resolve) => this.waiting.set(id, resolve));
    this.raw(w.finish());
    return { id, reply };
  }

  request(type: number, build?: (w: PacketWriter) => void): Promise<Reply> {
    return this.send(type, build).reply;
  }

  extended(name: string, build: (w: PacketWriter) => void = () => undefined): Promise<Reply> {
    return this.request(T.EXTENDED, (w) => {
      w.string(name);
      build(w);
    });
  }

  async open(path: string | Uint8Array, flags: number, attrs: SftpAttrs = {}): Promise<Uint8Array> {
    return handleOf(await this.request(T.OPEN, (w) => openFields(w, path, flags, attrs)));
  }

  async write(handle: Uint8Array, offset: number, data: Uint8Array): Promise<Status> {
    return statusOf(await this.request(T.WRITE, (w) => w.string(handle).u64(offset).string(data)));
  }

  async close(handle: Uint8Array): Promise<Status> {
    return statusOf(await this.request(T.CLOSE, (w) => w.string(handle)));
  }
}

export function openFields(
  w: PacketWriter,
  path: string | Uint8Array,
  flags: number,
  attrs: SftpAttrs,
): void {
  w.string(path).u32(flags);
  encodeAttrs(w, attrs);
}

export function str(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}

export function statusOf(reply: Reply): Status {
  if (reply.type !== T.STATUS) throw new Error(`expected STATUS, got type ${reply.type}`);
  const code = reply.r.u32();
  const message = str(reply.r.bytes());
  reply.r.bytes(); // language tag
  return { code, message };
}

export function handleOf(reply: Reply): Uint8Array {
  if (reply.type !== T.HANDLE) throw new Error(`expected HANDLE, got ${describe(reply)}`);
  return Buffer.from(reply.r.bytes());
}

export function dataOf(reply: Reply): Uint8Array {
  if (reply.type !== T.DATA) throw new Error(`expected DATA, got ${describe(reply)}`);
  return Buffer.from(reply.r.bytes());
}

export function attrsOf(reply: Reply): SftpAttrs {
  if (reply.type !== T.ATTRS) throw new Error(`expected ATTRS, got ${describe(reply)}`);
  return decodeAttrs(reply.r);
}

export function namesOf(reply: Reply): string[] {
  if (reply.type !== T.NAME) throw new Error(`expected NAME, got ${describe(reply)}`);
  const count = reply.r.u32();
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    names.push(str(reply.r.bytes()));
    reply.r.bytes();
    decodeAttrs(reply.r);
  }
  return names;
}

function describe(reply: Reply): string {
  if (reply.type !== T.STATUS) return `type ${reply.type}`;
  const { code, message } = statusOf(reply);
  return `STATUS ${code} ${message}`;
}

export interface Connection {
  readonly client: TestClient;
  readonly server: SftpServer;
  /** Resolves when the server has finished with the stream. */
  readonly done: Promise<void>;
}

export function connect(session: FileSystemSessionApi, options: SftpServerOptions = {}): Connection {
  const [serverSide, clientSide] = duplexPair();
  const server = new SftpServer(session, options);
  const done = server.attach(serverSide);
  return { client: new TestClient(clientSide), server, done };
}
