import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SftpError, SftpStatus } from '@grid-sftp/core';
import { PacketWriter } from '../../src/sftp/packet-writer.js';
import { Duplex, PassThrough } from 'node:stream';
import { SftpServer } from '../../src/sftp/server.js';
import { T, TestClient, connect, dataOf, handleOf, namesOf, openFields, statusOf } from './client.js';
import { deferred, fakeFile, fakeSession } from './fake-session.js';

describe('SftpServer protocol', { timeout: 20_000 }, () => {
  it('hands every reply to batchWrites when given one (the gateway corks its socket there)', async () => {
    let batched = 0;
    const session = fakeSession();
    const { client } = connect(session, {
      batchWrites: (write) => {
        batched++;
        write();
      },
    });
    await client.init();
    await client.send(T.STAT, (w) => w.string('/')).reply;
    await client.send(T.REALPATH, (w) => w.string('.')).reply;
    expect(batched).toBe(3); // VERSION, ATTRS, NAME
  });

  it("keeps every WRITE's bytes intact until that WRITE is answered, while later ones arrive", async () => {
    // WRITE packets reuse pooled memory once answered (packet-buffers.ts): a buffer handed to a
    // new packet too early would change the bytes of a write still running.
    const seen = new Map<number, string>();
    const session = fakeSession();
    session.open = () =>
      Promise.resolve(
        fakeFile(session, {
          write: async (offset, data) => {
            const early = Buffer.from(data).toString('hex');
            await sleep(5 + (offset % 7));
            // Read again right before answering: the contract is "unchanged until settled".
            const late = Buffer.from(data).toString('hex');
            seen.set(offset, early === late ? late : 'changed while running');
          },
        }),
      );
    const { client } = connect(session);
    await client.init();
    const handle = await client.open('/f', 2);
    const piece = (i: number): Buffer => Buffer.alloc(32 * 1024 + i, i);
    const writes = Array.from({ length: 48 }, (_, i) =>
      client.send(T.WRITE, (w) => w.string(handle).u64(i).string(piece(i))),
    );
    const statuses = await Promise.all(writes.map((write) => write.reply.then(statusOf)));
    expect(statuses.every((status) => status.code === SftpStatus.OK)).toBe(true);
    for (let i = 0; i < 48; i++) expect(seen.get(i)).toBe(piece(i).toString('hex'));
  });

  it('reuses DATA reply memory only on a stream that copies writes, and every READ gets its own bytes', async () => {
    // A stream like ssh2's channel: each chunk is copied before the write's callback runs.
    const toClient = new PassThrough();
    const serverSide = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, callback) => {
        toClient.write(Buffer.from(chunk));
        setImmediate(callback); // called back late, while later replies are being built
      },
    });
    const clientSide = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, callback) => {
        serverSide.push(chunk);
        callback();
      },
    });
    toClient.on('data', (chunk: Buffer) => clientSide.push(chunk));
    const session = fakeSession();
    session.open = () =>
      Promise.resolve(
        fakeFile(session, {
          read: async (offset, length) => {
            await sleep(offset % 3);
            return new Uint8Array(length).fill(offset % 251);
          },
        }),
      );
    const server = new SftpServer(session, { copiesWrites: true });
    void server.attach(serverSide);
    const client = new TestClient(clientSide);
    await client.init();
    const handle = await client.open('/f', 1);
    const reads = Array.from({ length: 40 }, (_, i) =>
      client.send(T.READ, (w) =>
        w
          .string(handle)
          .u64(i)
          .u32(200_000 + i),
      ),
    );
    const data = await Promise.all(reads.map((read) => read.reply.then(dataOf)));
    data.forEach((bytes, i) => {
      expect(bytes.length).toBe(200_000 + i);
      expect(bytes.every((byte) => byte === i % 251)).toBe(true);
    });
    clientSide.push(null);
  });

  it('answers a later STAT only after a slow earlier request', async () => {
    const slow = deferred();
    const session = fakeSession({ mkdir: () => slow.promise });
    const { client } = connect(session);
    await client.init();
    const mkdir = client.send(T.MKDIR, (w) => w.string('/d').u32(0));
    const stat = client.send(T.STAT, (w) => w.string('/d'));
    await sleep(30);
    expect(client.order).toEqual([]);
    slow.resolve();
    await Promise.all([mkdir.reply, stat.reply]);
    expect(client.order).toEqual([mkdir.id, stat.id]);
  });

  it('runs READs concurrently and answers them all, in any order; a later CLOSE waits for them', async () => {
    const session = fakeSession();
    // Earlier reads take longer, so their answers come out reversed.
    session.open = () =>
      Promise.resolve(
        fakeFile(session, {
          read: async (offset) => {
            await sleep(60 - offset);
            return new Uint8Array([offset]);
          },
        }),
      );
    const { client } = connect(session);
    await client.init();
    const handle = await client.open('/f', 1);
    const reads = [0, 10, 20, 30].map((at) => client.send(T.READ, (w) => w.string(handle).u64(at).u32(1)));
    const close = client.send(T.CLOSE, (w) => w.string(handle));
    const data = await Promise.all(reads.map((r) => r.reply.then(dataOf)));
    expect(data.map((d) => d[0])).toEqual([0, 10, 20, 30]);
    expect(statusOf(await close.reply).code).toBe(SftpStatus.OK);
    const answered = client.order.slice(1);
    expect(answered).toEqual([...reads.map((r) => r.id).reverse(), close.id]);
  });

  it('makes a READ wait for an earlier non-READ request', async () => {
    const slow = deferred();
    const session = fakeSession({ remove: () => slow.promise });
    const { client } = connect(session);
    await client.init();
    const handle = await client.open('/f', 1);
    const remove = client.send(T.REMOVE, (w) => w.string('/x'));
    const read = client.send(T.READ, (w) => w.string(handle).u64(0).u32(10));
    await sleep(20);
    expect(client.order.length).toBe(1);
    slow.resolve();
    await read.reply;
    expect(client.order.slice(1)).toEqual([remove.id, read.id]);
  });

  it('stops reading the stream while the requests in flight are at their cap', async () => {
    const gate = deferred();
    let started = 0;
    const session = fakeSession();
    session.open = () =>
      Promise.resolve(
        fakeFile(session, {
          read: async () => {
            started++;
            await gate.promise;
            return new Uint8Array(1);
          },
        }),
      );
    const { client } = connect(session, { limits: { maxRequestsInFlight: 4 } });
    await client.init();
    const handle = await client.open('/f', 1);
    const reads = Array.from({ length: 20 }, () =>
      client.send(T.READ, (w) => w.string(handle).u64(0).u32(1)),
    );
    await sleep(30);
    expect(started).toBe(4);
    gate.resolve();
    await Promise.all(reads.map((r) => r.reply));
    expect(started).toBe(20);
  });

  it('answers BAD_MESSAGE for truncated fields, OP_UNSUPPORTED for unknown requests', async () => {
    const session = fakeSession();
    const { client, server } = connect(session);
    await client.init();
    const truncated = statusOf(await client.request(T.OPEN, (w) => w.u32(100).raw(Buffer.from('abc'))));
    expect(truncated.code).toBe(SftpStatus.BAD_MESSAGE);
    const badAttrs = statusOf(await client.request(T.SETSTAT, (w) => w.string('/x').u32(0x1).u32(0)));
    expect(badAttrs.code).toBe(SftpStatus.BAD_MESSAGE);
    expect(statusOf(await client.request(99)).code).toBe(SftpStatus.OP_UNSUPPORTED);
    expect(statusOf(await client.extended('nope@example.com')).code).toBe(SftpStatus.OP_UNSUPPORTED);
    expect(statusOf(await client.request(T.READ, (w) => w.string('bogus').u64(0).u32(1))).code).toBe(
      SftpStatus.FAILURE,
    );
    // Still serving after all that.
    expect(namesOf(await client.request(T.REALPATH, (w) => w.string('.')))).toEqual(['/']);
    expect(server.disconnectReason).toBeUndefined();
  });

  it('disconnects on an absurd length, a packet without an id, or a request before INIT', async () => {
    for (const bytes of [
      Buffer.from([0xff, 0xff, 0xff, 0xff, T.OPEN]),
      Buffer.from([0, 0, 0, 2, T.STAT, 0]),
      new PacketWriter(T.STAT).u32(1).string('/').finish(),
      Buffer.from([0, 0, 0, 0]),
    ]) {
      const session = fakeSession();
      const { client, server, done } = connect(session);
      if (bytes[4] !== T.STAT || bytes.length === 6) await client.init();
      client.raw(bytes);
      await done;
      expect(server.disconnectReason).toBeDefined();
      expect(session.ended).toBe(true);
    }
  });

  it('splits a READDIR batch that would not fit in one packet over several replies', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `${String(i)}${'x'.repeat(200)}`);
    const session = fakeSession({
      opendir: () => {
        let listed = false;
        return Promise.resolve({
          readdir: () => {
            if (listed) return Promise.reject(new SftpError(SftpStatus.EOF, 'no more entries'));
            listed = true;
            return Promise.resolve(names.map((filename) => ({ filename, longname: filename, attrs: {} })));
          },
          close: () => Promise.resolve(),
        });
      },
    });
    const { client } = connect(session, { limits: { maxPacketLength: 1024 } });
    await client.init();
    const dir = handleOf(await client.request(T.OPENDIR, (w) => w.string('/')));
    const seen: string[] = [];
    for (;;) {
      const reply = await client.request(T.READDIR, (w) => w.string(dir));
      if (reply.type === T.STATUS) {
        expect(statusOf(reply).code).toBe(SftpStatus.EOF);
        break;
      }
      const batch = namesOf(reply);
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length).toBeLessThan(names.length);
      seen.push(...batch);
    }
    expect(seen).toEqual(names);
  });

  it('ends the session and closes every handle when the stream ends', async () => {
    const session = fakeSession();
    const { client, done } = connect(session);
    await client.init();
    handleOf(await client.request(T.OPEN, (w) => openFields(w, '/a', 1, {})));
    handleOf(await client.request(T.OPENDIR, (w) => w.string('/')));
    expect(session.openHandles).toBe(2);
    client.stream.end();
    await done;
    expect(session.ended).toBe(true);
    expect(session.openHandles).toBe(0);
  });

  it('survives random and mutated packets: it answers each or disconnects', async () => {
    const wellFormed = [
      new PacketWriter(T.OPEN)
        .u32(1)
        .string('/a')
        .u32(3)
        .u32(0xf)
        .u64(5)
        .u32(1)
        .u32(2)
        .u32(0o644)
        .u32(1)
        .u32(2),
      new PacketWriter(T.EXTENDED).u32(1).string('copy-data').string('h').u64(0).u64(0).string('h').u64(0),
      new PacketWriter(T.EXTENDED).u32(1).string('users-groups-by-id@openssh.com').string('abcd').string(''),
      new PacketWriter(T.SETSTAT).u32(1).string('/a').u32(0x80000000).u32(2).string('a').string('b'),
      new PacketWriter(T.READ).u32(1).string('h').u64(1).u32(5),
    ].map((w) => w.finish().subarray(4));
    const body = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc
        .record({
          base: fc.constantFrom(...wellFormed),
          cut: fc.nat(),
          flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
            maxLength: 4,
          }),
        })
        .map(({ base, cut, flips }) => {
          const out = Buffer.from(base.subarray(0, 1 + (cut % base.length)));
          for (const { at, value } of flips) if (at % out.length !== 0) out[at % out.length] = value;
          return out;
        }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (packet) => {
        const session = fakeSession();
        const { client, server, done } = connect(session);
        await client.init();
        const framed = Buffer.concat([Buffer.alloc(4), packet]);
        framed.writeUInt32BE(packet.length, 0);
        client.raw(framed);
        const sentinel = client.request(T.REALPATH, (w) => w.string('.'));
        const outcome = await Promise.race([
          sentinel.then(() => 'answered'),
          done.then(() => 'disconnected'),
          sleep(2000).then(() => 'hung'),
        ]);
        expect(outcome).not.toBe('hung');
        if (outcome === 'disconnected') expect(server.disconnectReason).toBeDefined();
        client.stream.end();
        await done;
        expect(session.openHandles).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('survives an arbitrary byte stream and always finishes when the peer leaves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const { client, done } = connect(fakeSession());
        await client.init();
        client.raw(bytes);
        client.stream.end();
        const outcome = await Promise.race([done.then(() => 'done'), sleep(2000).then(() => 'hung')]);
        expect(outcome).toBe('done');
      }),
      { numRuns: 100 },
    );
  });
});
