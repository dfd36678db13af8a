// File-system session (issue 3): heisenfiles (DESIGN §3). Files open for writing look as if they
// exist to every other operation: rename moves the pending commit, remove abandons it, a dropped
// connection abandons it, a reopen waits for the last close, and other accounts sharing the
// directory see it. Their state is visible in the activity registry.
import { describe, expect, it } from 'vitest';
import { SftpStatus } from '../../src/vfs/sftp-status.js';
import {
  CREAT,
  EXCL,
  READ,
  TRUNC,
  WRITE,
  bytes,
  expectStatus,
  listDir,
  pattern,
  readFile,
  readToEnd,
  text,
  useSessionHarness,
} from './session-harness.js';

const make = useSessionHarness();

describe('rename of an open file', () => {
  it('moves the pending commit: it lands at the new name, never at the old one', async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/before', WRITE | CREAT | TRUNC, {});
    await handle.write(0, bytes('renamed while open'));
    await session.rename('/before', '/after');
    expect((await session.stat('/after')).size).toBe(18);
    await expectStatus(session.stat('/before'), SftpStatus.NO_SUCH_FILE);
    await handle.write(18, bytes('!'));
    await handle.close();
    expect(await h.names()).toEqual(['after']);
    expect(text((await h.content('after')) ?? new Uint8Array())).toBe('renamed while open!');
  });

  it('moves it into another directory', async () => {
    const h = await make();
    await h.mkdirDirect('sub');
    const session = h.session();
    const handle = await session.open('/f', WRITE | CREAT | TRUNC, {});
    await handle.write(0, bytes('moved'));
    await session.rename('/f', '/sub/g');
    await handle.close();
    expect(await h.names()).toEqual(['sub']);
    expect(text((await h.content('sub/g')) ?? new Uint8Array())).toBe('moved');
  });

  it('renames an existing file that is open for writing: the old entry moves and the commit follows', async () => {
    const h = await make();
    await h.put('doc', 'old content of the document');
    const session = h.session();
    const handle = await session.open('/doc', WRITE | TRUNC, {});
    await handle.write(0, bytes('new'));
    await session.rename('/doc', '/doc2');
    await handle.close();
    expect(await h.names()).toEqual(['doc2']);
    expect(text((await h.content('doc2')) ?? new Uint8Array())).toBe('new');
  });

  // A CLOSE may be overtaken once it has started (main/src/sftp/request-order.ts): git renames
  // its lock file while the commit is uploading. The old entry (EXCL's empty file, or the file's
  // previous version) must not land on top of what the commit linked at the new name.
  it.each([
    ['an exclusive create', WRITE | CREAT | EXCL, undefined],
    ['a rewrite of an existing file', WRITE | TRUNC, 'old content'],
  ])('keeps the committed content when the rename comes during the commit of %s', async (_l, flags, old) => {
    const h = await make();
    if (old !== undefined) await h.put('HEAD.lock', old);
    const session = h.session();
    const file = await session.open('/HEAD.lock', flags, {});
    await file.write(0, bytes('ref: refs/heads/main\n'));
    for (const node of h.nodes) node.delayMs = 5;
    const closing = file.close();
    await session.posixRename('/HEAD.lock', '/HEAD');
    await closing;
    expect(await h.names()).toEqual(['HEAD']);
    expect(text((await h.content('HEAD')) ?? new Uint8Array())).toBe('ref: refs/heads/main\n');
  });

  it('keeps the content an fsync committed when the rename comes during that fsync', async () => {
    const h = await make();
    const session = h.session();
    const file = await session.open('/draft', WRITE | CREAT | EXCL, {});
    await file.write(0, bytes('synced'));
    for (const node of h.nodes) node.delayMs = 5;
    const order: string[] = [];
    const syncing = file.fsync().then(() => order.push('fsync'));
    // The rename waits for the fsync's link, so it can tell whether that link used the new name.
    await session.posixRename('/draft', '/final').then(() => order.push('rename'));
    await syncing;
    expect(order).toEqual(['fsync', 'rename']);
    await file.close();
    expect(await h.names()).toEqual(['final']);
    expect(text((await h.content('final')) ?? new Uint8Array())).toBe('synced');
  });

  it('follows a rename sent before the open has answered', async () => {
    const h = await make();
    const session = h.session();
    const opening = session.open('/race', WRITE | CREAT | TRUNC, {});
    const renaming = session.rename('/race', '/race2');
    const [handle] = await Promise.all([opening, renaming]);
    await handle.write(0, bytes('raced'));
    await handle.close();
    expect(await h.names()).toEqual(['race2']);
    expect(text((await h.content('race2')) ?? new Uint8Array())).toBe('raced');
  });

  it('refuses a rename onto a file being opened, even before the open has answered', async () => {
    const h = await make();
    await h.put('small', '0123456789');
    const session = h.session();
    const opening = session.open('/heisenfile', WRITE | CREAT, {});
    const renaming = expectStatus(session.rename('/small', '/heisenfile'), SftpStatus.FAILURE);
    const [handle] = await Promise.all([opening, renaming]);
    await handle.close();
    expect((await h.names()).sort()).toEqual(['heisenfile', 'small']);
    expect(text((await h.content('small')) ?? new Uint8Array())).toBe('0123456789');
    expect(await h.content('heisenfile')).toEqual(new Uint8Array(0));
  });

  it('answers STAT of the path right after an unawaited open', async () => {
    const h = await make();
    const session = h.session();
    const opening = session.open('/sshfs-style', WRITE | CREAT | TRUNC, {});
    const stat = session.lstat('/sshfs-style');
    const [handle, attrs] = await Promise.all([opening, stat]);
    expect(attrs.size).toBe(0);
    expect(attrs.permissions).toBe(0o100666);
    await handle.close();
  });

  it('updates the metadata a pending file will be committed with (setstat by path)', async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/stamped', WRITE | CREAT | TRUNC, {});
    await handle.write(0, bytes('x'));
    await session.setstat('/stamped', { mtime: 1_000_000_000 });
    await handle.close();
    expect((await session.stat('/stamped')).mtime).toBe(1_000_000_000);
  });
});

describe('remove and open files', () => {
  it('lets a reader keep reading a file removed under it', async () => {
    const h = await make();
    const content = pattern(1000, 21);
    await h.put('small', content);
    const session = h.session();
    const reader = await session.open('/small', READ, {});
    await session.remove('/small');
    expect(await h.content('small')).toBeUndefined();
    await expectStatus(session.stat('/small'), SftpStatus.NO_SUCH_FILE);
    expect(await readToEnd(reader)).toEqual(content);
    await reader.close();
  });

  it('never commits a file removed while it is being created', async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/tempfile', READ | WRITE | CREAT, {});
    await handle.write(0, bytes('0123456789'));
    await session.remove('/tempfile');
    await expectStatus(session.stat('/tempfile'), SftpStatus.NO_SUCH_FILE);
    // The handle still works on its own bytes.
    expect(text(await handle.read(0, 10))).toBe('0123456789');
    await handle.close();
    expect(await h.names()).toEqual([]);
    expect(h.activity.snapshot().find((s) => s.id === handle.id)?.state).toBe('abandoned');
  });

  it('never commits it either when it was renamed before the remove', async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/tempfile2', READ | WRITE | CREAT, {});
    await handle.write(0, bytes('0123456789'));
    await session.rename('/tempfile2', '/tempfile3');
    await session.remove('/tempfile3');
    expect(text(await handle.read(0, 10))).toBe('0123456789');
    await handle.close();
    expect(await h.names()).toEqual([]);
  });

  it('removes the old entry and abandons the rewrite of an existing file', async () => {
    const h = await make();
    await h.put('existing', 'the old version');
    const session = h.session();
    const handle = await session.open('/existing', WRITE | TRUNC, {});
    await handle.write(0, bytes('the new version'));
    await session.remove('/existing');
    await handle.close();
    expect(await h.names()).toEqual([]);
  });
});

describe('session end', () => {
  it('abandons the files a dropped connection had open for writing', async () => {
    const h = await make();
    await h.put('kept', 'old');
    const session = h.session();
    const created = await session.open('/partial', WRITE | CREAT | TRUNC, {});
    await created.write(0, pattern(5000));
    const rewritten = await session.open('/kept', WRITE | TRUNC, {});
    await rewritten.write(0, bytes('half-written replacement'));
    await session.end();
    expect(h.heisenfiles.size).toBe(0);
    expect(await h.names()).toEqual(['kept']);
    expect(text((await h.content('kept')) ?? new Uint8Array())).toBe('old');
    const states = h.activity.snapshot().filter((s) => s.id === created.id || s.id === rewritten.id);
    expect(states.map((s) => s.state)).toEqual(['abandoned', 'abandoned']);
    const later = h.session();
    await expectStatus(later.stat('/partial'), SftpStatus.NO_SUCH_FILE);
  });

  it('answers a close on a handle of an ended session without committing', async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/gone', WRITE | CREAT | TRUNC, {});
    await handle.write(0, bytes('never'));
    await session.end();
    await handle.close().catch(() => undefined);
    expect(await h.names()).toEqual([]);
  });
});

describe('reopen after close', () => {
  it('waits for the commit of a close that has not answered yet', async () => {
    const h = await make();
    await h.put('doc', pattern(3000, 1));
    const session = h.session();
    const fresh = pattern(4000, 2);
    const writer = await session.open('/doc', WRITE | CREAT | TRUNC, {});
    await writer.write(0, fresh);
    // Slow nodes keep the commit running while the reopen arrives.
    for (const node of h.nodes) node.delayMs = 5;
    const closing = writer.close();
    // sshfs reports the file closed before the CLOSE reply and reads it back at once.
    const reading = readFile(session, '/doc');
    const [, content] = await Promise.all([closing, reading]);
    expect(content).toEqual(fresh);
  });

  it('waits for it from another session of the same account too', async () => {
    const h = await make();
    await h.put('doc', pattern(3000, 3));
    const writerSession = h.session();
    const readerSession = h.session();
    const fresh = pattern(4000, 4);
    const writer = await writerSession.open('/doc', WRITE | TRUNC, {});
    await writer.write(0, fresh);
    for (const node of h.nodes) node.delayMs = 5;
    const closing = writer.close();
    const reading = readFile(readerSession, '/doc');
    const [, content] = await Promise.all([closing, reading]);
    expect(content).toEqual(fresh);
  });
});

// sshfs with max_conns=3 sends a CLOSE on the connection that opened the file, and only after
// close(2) has returned: git's next step arrives on another connection before it.
describe('a file still open on another connection of the same client', () => {
  it('answers STAT with the bytes written so far, not the empty file its EXCL open made', async () => {
    const h = await make();
    const writer = h.session();
    const other = h.session();
    const lock = await writer.open('/index.lock', WRITE | CREAT | EXCL, {});
    await lock.write(0, pattern(1500));
    expect((await other.stat('/index.lock')).size).toBe(1500);
    await lock.close();
    expect((await other.stat('/index.lock')).size).toBe(1500);
  });

  it("lets git's lock-file rename and the next reader run before the CLOSE arrives", async () => {
    const h = await make();
    await h.put('index', pattern(900, 1));
    const writer = h.session();
    const other = h.session();
    const fresh = pattern(2500, 2);
    const lock = await writer.open('/index.lock', WRITE | CREAT | EXCL, {});
    await lock.write(0, fresh);
    await other.posixRename('/index.lock', '/index');
    expect((await other.stat('/index')).size).toBe(2500);
    const closing = new Promise((resolve) => setTimeout(resolve, 50)).then(() => lock.close());
    const [content] = await Promise.all([readFile(h.session(), '/index'), closing]);
    expect(content).toEqual(fresh);
    expect(await h.content('index')).toEqual(fresh);
    expect(await h.names()).toEqual(['index']);
  });

  it('links the written object, not its empty placeholder, when the link arrives first', async () => {
    const h = await make();
    const writer = h.session();
    const other = h.session();
    const object = pattern(700, 3);
    const temp = await writer.open('/tmp_obj', WRITE | CREAT | EXCL, {});
    await temp.write(0, object);
    const closing = new Promise((resolve) => setTimeout(resolve, 50)).then(() => temp.close());
    await Promise.all([other.hardlink('/tmp_obj', '/obj'), closing]);
    await other.remove('/tmp_obj');
    expect(await h.content('obj')).toEqual(object);
  });

  it('reads the committed file once the other writer has kept its file open past the grace', async () => {
    const h = await make();
    await h.put('log', bytes('committed'));
    const writer = h.session();
    const handle = await writer.open('/log', WRITE, {});
    await handle.write(9, bytes(' and more'));
    expect(text(await readFile(h.session(), '/log'))).toBe('committed');
    await handle.close();
    expect(text(await readFile(h.session(), '/log'))).toBe('committed and more');
  });

  it('shows the size an open file has now over its existing entry, in its own session too', async () => {
    const h = await make();
    await h.put('doc', pattern(3000, 4));
    const session = h.session();
    const handle = await session.open('/doc', WRITE, {});
    await handle.write(5000, bytes('tail'));
    expect((await session.stat('/doc')).size).toBe(5004);
    await handle.close();
    expect((await session.stat('/doc')).size).toBe(5004);
  });
});

describe('two accounts sharing a directory', () => {
  async function shared() {
    const h = await make();
    const bobRoot = await h.grid.createDirectory();
    const sharedDir = await h.grid.createDirectory();
    await h.grid.addChild(h.root, 'shared', sharedDir);
    await h.grid.addChild(bobRoot, 'common', sharedDir);
    const alice = h.session({ account: 'alice' });
    const bob = h.session({ account: 'bob', root: bobRoot });
    return { h, alice, bob, bobRoot };
  }

  it("sees the other account's open file by stat, with the bytes written so far", async () => {
    const { h, alice, bob } = await shared();
    const handle = await alice.open('/shared/report', WRITE | CREAT | TRUNC, {});
    await handle.write(0, pattern(30));
    const attrs = await bob.stat('/common/report');
    expect(attrs.size).toBe(30);
    expect(attrs.permissions).toBe(0o100666);
    await handle.close();
    expect(await readFile(bob, '/common/report')).toEqual(pattern(30));
    expect(await h.content('shared/report')).toEqual(pattern(30));
  });

  it("moves the other account's pending commit when it renames the file", async () => {
    const { h, alice, bob, bobRoot } = await shared();
    const handle = await alice.open('/shared/draft', WRITE | CREAT | TRUNC, {});
    await handle.write(0, bytes('draft by alice'));
    await bob.rename('/common/draft', '/common/final');
    await handle.close();
    expect(await h.names('shared')).toEqual(['final']);
    expect(text((await h.content('common/final', bobRoot)) ?? new Uint8Array())).toBe('draft by alice');
  });

  it("abandons the other account's pending commit when it removes the file", async () => {
    const { h, alice, bob } = await shared();
    const handle = await alice.open('/shared/junk', WRITE | CREAT | TRUNC, {});
    await handle.write(0, bytes('junk'));
    await bob.remove('/common/junk');
    await handle.close();
    expect(await h.names('shared')).toEqual([]);
  });

  it('does not show an open file to an account that cannot reach its directory', async () => {
    const { alice, h } = await shared();
    const carol = h.session({ account: 'carol', root: await h.grid.createDirectory() });
    const handle = await alice.open('/shared/private', WRITE | CREAT | TRUNC, {});
    await expectStatus(carol.stat('/shared/private'), SftpStatus.NO_SUCH_FILE);
    expect(await listDir(carol, '/')).toEqual([]);
    await handle.close();
  });
});

describe('visible state', () => {
  it("shows an open handle as 'open' with its bytes, then 'committed' after close", async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/watched', WRITE | CREAT | TRUNC, {});
    await handle.write(0, pattern(1234));
    const open = h.activity.snapshot().find((s) => s.id === handle.id);
    expect(open).toMatchObject({ state: 'open', bytesWritten: 1234, account: 'alice', path: '/watched' });
    expect(open?.flags).toEqual(expect.arrayContaining(['WRITE', 'CREAT', 'TRUNC']));
    await session.rename('/watched', '/watched2');
    expect(h.activity.snapshot().find((s) => s.id === handle.id)?.path).toBe('/watched2');
    await handle.close();
    const done = h.activity.snapshot().find((s) => s.id === handle.id);
    expect(done?.state).toBe('committed');
    expect(done?.closedAt).toBeDefined();
  });

  it("shows a read-only handle as 'closed' after close, with the bytes read", async () => {
    const h = await make();
    await h.put('r', pattern(500));
    const handle = await h.session().open('/r', READ, {});
    await handle.read(0, 200);
    expect(h.activity.snapshot().find((s) => s.id === handle.id)).toMatchObject({
      state: 'open',
      bytesRead: 200,
    });
    await handle.close();
    expect(h.activity.snapshot().find((s) => s.id === handle.id)?.state).toBe('closed');
  });

  it('lets a test wait for a commit started by an unawaited close', async () => {
    const h = await make();
    const handle = await h.session().open('/awaited', WRITE | CREAT | TRUNC, {});
    await handle.write(0, pattern(4000));
    const closing = handle.close();
    const committed = await h.activity.waitFor((s) => s.id === handle.id && s.state === 'committed', 10_000);
    expect(committed.bytesWritten).toBe(4000);
    await closing;
  });
});
