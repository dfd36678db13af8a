// The order requests run in (main/src/sftp/request-order.ts): a CLOSE may be overtaken once it
// has started, and EOF from the client still lets what it sent before be answered.
import { describe, expect, it } from 'vitest';
import { SftpStatus } from '@grid-sftp/core';
import { T, connect, statusOf } from './client.js';
import { deferred, fakeFile, fakeSession } from './fake-session.js';

describe('SftpServer request order', { timeout: 20_000 }, () => {
  it('answers requests sent after a CLOSE before that CLOSE, whose reply still carries its outcome', async () => {
    const commit = deferred();
    const session = fakeSession();
    let closeStarted = false;
    session.open = () =>
      Promise.resolve(
        fakeFile(session, {
          close: () => {
            closeStarted = true;
            return commit.promise.then(() => {
              throw new (class extends Error {})('never a cap in here');
            });
          },
        }),
      );
    const { client } = connect(session);
    await client.init();
    const handle = await client.open('/f', 0x02 | 0x08);
    const close = client.send(T.CLOSE, (w) => w.string(handle));
    const stat = client.send(T.STAT, (w) => w.string('/other'));
    const write = client.send(T.WRITE, (w) => w.string(handle).u64(0).string(new Uint8Array(1)));
    await stat.reply;
    // The STAT did not wait for the commit, but the CLOSE had started before it ran...
    expect(closeStarted).toBe(true);
    // ...and a request naming the closed handle fails as it would after the CLOSE.
    expect(statusOf(await write.reply).code).toBe(SftpStatus.FAILURE);
    expect(client.order.slice(1)).toEqual([stat.id, write.id]);
    commit.resolve();
    // The failed commit is reported in the CLOSE reply, without the error's own text (internal).
    const status = statusOf(await close.reply);
    expect(status.code).toBe(SftpStatus.FAILURE);
    expect(status.message).not.toContain('cap');
    expect(client.order.slice(1)).toEqual([stat.id, write.id, close.id]);
  });

  it('still waits for earlier requests before a CLOSE starts (its writes are done)', async () => {
    const slowWrite = deferred();
    const session = fakeSession();
    const events: string[] = [];
    session.open = () =>
      Promise.resolve(
        fakeFile(session, {
          write: async () => {
            await slowWrite.promise;
            events.push('write');
          },
          close: () => {
            events.push('close');
            return Promise.resolve();
          },
        }),
      );
    const { client } = connect(session);
    await client.init();
    const handle = await client.open('/f', 0x02);
    const write = client.send(T.WRITE, (w) => w.string(handle).u64(0).string(new Uint8Array(1)));
    const close = client.send(T.CLOSE, (w) => w.string(handle));
    slowWrite.resolve();
    await Promise.all([write.reply, close.reply]);
    expect(events).toEqual(['write', 'close']);
  });

  it('answers what the client sent before its EOF, then ends the session', async () => {
    const slow = deferred();
    const session = fakeSession({ mkdir: () => slow.promise });
    const { client, done } = connect(session);
    await client.init();
    const mkdir = client.send(T.MKDIR, (w) => w.string('/d').u32(0));
    const stat = client.send(T.STAT, (w) => w.string('/d'));
    client.stream.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(session.ended).toBe(false);
    slow.resolve();
    expect(statusOf(await mkdir.reply).code).toBe(SftpStatus.OK);
    await stat.reply;
    await done;
    expect(session.ended).toBe(true);
  });
});
