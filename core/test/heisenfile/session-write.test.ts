// File-system session (issue 3): writing. Open flags, overlapping writes and holes, size changes,
// APPEND, TRUNC, EXCL, READ|WRITE, and errors reported at CLOSE (DESIGN §3).
import { describe, expect, it } from 'vitest';
import { SftpStatus } from '../../src/vfs/sftp-status.js';
import {
  APPEND,
  CREAT,
  EXCL,
  READ,
  TRUNC,
  WRITE,
  bytes,
  concat,
  expectSameBytes,
  expectStatus,
  listDir,
  pattern,
  readFile,
  readToEnd,
  text,
  useSessionHarness,
  writeFile,
} from './session-harness.js';

const make = useSessionHarness();

function zeros(n: number): Uint8Array {
  return new Uint8Array(n);
}

describe('session open flags', () => {
  it('answers BAD_MESSAGE when neither READ nor WRITE is set', async () => {
    const h = await make();
    const session = h.session();
    await expectStatus(session.open('/new', 0, {}), SftpStatus.BAD_MESSAGE);
    await expectStatus(session.open('/new', CREAT, {}), SftpStatus.BAD_MESSAGE);
    await expectStatus(session.open('/new', CREAT | TRUNC | APPEND, {}), SftpStatus.BAD_MESSAGE);
    expect(await h.names()).toEqual([]);
  });

  it('answers BAD_MESSAGE to EXCL without CREAT', async () => {
    const h = await make();
    await h.put('small', 'x');
    const session = h.session();
    await expectStatus(session.open('/new', WRITE | EXCL, {}), SftpStatus.BAD_MESSAGE);
    await expectStatus(session.open('/small', READ | EXCL, {}), SftpStatus.BAD_MESSAGE);
    expect(await h.names()).toEqual(['small']);
  });

  it('answers NO_SUCH_FILE to an open for writing in a missing directory', async () => {
    const session = (await make()).session();
    await expectStatus(session.open('/nodir/new', WRITE | CREAT, {}), SftpStatus.NO_SUCH_FILE);
  });
});

describe('session writes', () => {
  it('combines overlapping writes and holes; fstat and stat by path show the size so far', async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/newfile', WRITE | CREAT | TRUNC, {});
    await handle.write(0, bytes('0123456789'));
    await handle.write(8, bytes('0123'));
    await handle.write(13, bytes('abc'));
    expect((await handle.fstat()).size).toBe(16);
    const byPath = await session.stat('/newfile');
    expect(byPath.size).toBe(16);
    expect(byPath.permissions).toBe(0o100666);

    // A write-only handle cannot be read.
    await expectStatus(handle.read(0, 1), SftpStatus.PERMISSION_DENIED);

    await handle.close();
    expect(await h.content('newfile')).toEqual(bytes('012345670123\0abc'));
  });

  it('reads zeros in the hole left by a write past the end of an empty file', async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/holey', READ | WRITE | CREAT | TRUNC, {});
    await handle.write(10, bytes('xyz'));
    expect((await handle.fstat()).size).toBe(13);
    expect(await handle.read(0, 13)).toEqual(concat(zeros(10), bytes('xyz')));
    await handle.close();
    expect(await h.content('holey')).toEqual(concat(zeros(10), bytes('xyz')));
  });

  it('shrinks and grows the file with fsetstat(size)', async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/sized', WRITE | CREAT | TRUNC, {});
    await handle.write(0, bytes('0123456789'));
    await handle.write(8, bytes('0123'));
    await handle.write(13, bytes('abc'));
    await handle.fsetstat({});
    await handle.fsetstat({ size: 14 });
    expect((await handle.fstat()).size).toBe(14);
    await handle.fsetstat({ size: 14 });
    expect((await handle.fstat()).size).toBe(14);
    await handle.fsetstat({ size: 17 });
    expect((await handle.fstat()).size).toBe(17);
    expect((await session.stat('/sized')).size).toBe(17);
    await handle.close();
    expect(await h.content('sized')).toEqual(bytes('012345670123\0a\0\0\0'));
  });

  it('does not resurrect truncated bytes when a shrunk file grows again', async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/regrow', READ | WRITE | CREAT | TRUNC, {});
    await handle.write(0, pattern(100));
    await handle.fsetstat({ size: 10 });
    await handle.fsetstat({ size: 100 });
    expect(await readToEnd(handle)).toEqual(concat(pattern(100).subarray(0, 10), zeros(90)));
    await handle.close();
  });

  it('answers BAD_MESSAGE to writes and fsetstat on a closed handle; a second close is a no-op', async () => {
    const h = await make();
    const handle = await h.session().open('/closed', WRITE | CREAT | TRUNC, {});
    await handle.write(0, bytes('data'));
    await handle.close();
    await expectStatus(handle.write(0, bytes('a')), SftpStatus.BAD_MESSAGE);
    await expectStatus(handle.fsetstat({ size: 0 }), SftpStatus.BAD_MESSAGE);
    await expectStatus(handle.read(0, 1), SftpStatus.BAD_MESSAGE);
    await handle.close();
    expect(text((await h.content('closed')) ?? new Uint8Array())).toBe('data');
  });

  it('commits an empty file created with CREAT and no writes', async () => {
    const h = await make();
    const handle = await h.session().open('/empty', WRITE | CREAT, {});
    await handle.close();
    expect(await h.content('empty')).toEqual(new Uint8Array(0));
  });

  it('APPEND writes every chunk at the end, whatever the offset', async () => {
    const h = await make();
    await h.put('newfile', 'old content to be replaced');
    const session = h.session();
    const handle = await session.open('/newfile', WRITE | CREAT | TRUNC | APPEND, {});
    await handle.write(0, bytes('0123456789'));
    await handle.write(8, bytes('0123'));
    await handle.fsetstat({ size: 17 });
    expect((await handle.fstat()).size).toBe(17);
    await handle.write(0, bytes('z'));
    await handle.close();
    expect(await h.content('newfile')).toEqual(bytes('01234567890123\0\0\0z'));
  });

  it('APPEND on an existing file (no TRUNC) adds after the old content', async () => {
    const h = await make();
    await h.put('log', '012345678901234');
    const handle = await h.session().open('/log', WRITE | CREAT | APPEND, {});
    await handle.write(5, bytes('01234'));
    await handle.close();
    expect(text((await h.content('log')) ?? new Uint8Array())).toBe('01234567890123401234');
  });

  it('APPEND with EXCL on a new file', async () => {
    const h = await make();
    const handle = await h.session().open('/exclappend', WRITE | CREAT | EXCL | APPEND, {});
    await handle.write(10, bytes('0123456789'));
    await handle.write(5, bytes('01234'));
    await handle.close();
    expect(text((await h.content('exclappend')) ?? new Uint8Array())).toBe('012345678901234');
  });

  it('WRITE|TRUNC without CREAT replaces an existing file', async () => {
    const h = await make();
    await h.put('existing', pattern(500));
    const handle = await h.session().open('/existing', WRITE | TRUNC, {});
    expect((await handle.fstat()).size).toBe(0);
    await handle.write(0, bytes('01234'));
    await handle.close();
    expect(text((await h.content('existing')) ?? new Uint8Array())).toBe('01234');
  });

  it('WRITE|CREAT without TRUNC overwrites in place and keeps the rest', async () => {
    const h = await make();
    await h.put('keep', '0123456789');
    const handle = await h.session().open('/keep', WRITE | CREAT, {});
    await handle.write(0, bytes('abcde'));
    await handle.close();
    expect(text((await h.content('keep')) ?? new Uint8Array())).toBe('abcde56789');
  });

  it('EXCL on an existing name fails with FAILURE and leaves it alone', async () => {
    const h = await make();
    await h.put('small', '0123456789');
    const session = h.session();
    await expectStatus(session.open('/small', WRITE | CREAT | EXCL, {}), SftpStatus.FAILURE);
    await expectStatus(session.open('/small', READ | WRITE | CREAT | EXCL | TRUNC, {}), SftpStatus.FAILURE);
    expect(text((await h.content('small')) ?? new Uint8Array())).toBe('0123456789');
  });

  it('EXCL on a new name holds it from the open on, for every session, and links an empty file before close', async () => {
    const h = await make();
    for (const node of h.nodes) node.delayMs = 5; // the empty file's publish takes a while
    const session = h.session();
    const other = h.session();
    const handle = await session.open('/excl', WRITE | CREAT | TRUNC | EXCL, {});
    // Taken in this process at once: a second exclusive create, from another session, loses.
    await expectStatus(other.open('/excl', WRITE | CREAT | EXCL, {}), SftpStatus.FAILURE);
    expect((await other.stat('/excl')).size).toBe(0);
    // A listing waits for the empty file to be in the grid.
    const listed = await listDir(other, '/');
    expect(listed.map((e) => e.filename)).toContain('excl');
    expect(await h.content('excl')).toEqual(new Uint8Array(0));
    await handle.write(0, bytes('0123456789'));
    await handle.close();
    expect(text((await h.content('excl')) ?? new Uint8Array())).toBe('0123456789');
  });

  it('EXCL: the file opens again by its path before its empty file is in the grid (mkstemp, then open)', async () => {
    const h = await make();
    for (const node of h.nodes) node.delayMs = 5; // the empty file's publish takes a while
    const session = h.session();
    const created = await session.open('/tmp.XXXXXX', WRITE | CREAT | EXCL, {});
    const again = await session.open('/tmp.XXXXXX', READ | WRITE, {});
    await again.write(0, bytes('through the second handle'));
    await again.close();
    await created.close();
    expect(text((await h.content('tmp.XXXXXX')) ?? new Uint8Array())).toBe('through the second handle');
    // Truncating by path works as soon, too.
    const third = await session.open('/other', WRITE | CREAT | EXCL, {});
    await session.setstat('/other', { size: 0 });
    await third.close();
    expect(await h.names()).toEqual(['other', 'tmp.XXXXXX']);
  });

  it('EXCL with nothing written leaves an empty file', async () => {
    const h = await make();
    const handle = await h.session().open('/zerolength', WRITE | CREAT | EXCL, {});
    await handle.close();
    expect(await h.content('zerolength')).toEqual(new Uint8Array(0));
  });

  it('READ|WRITE on an existing file reads the old bytes and past the old end', async () => {
    const h = await make();
    const old = pattern(100, 9);
    await h.put('rw', old);
    const handle = await h.session().open('/rw', READ | WRITE, {});
    await handle.write(98, bytes('WXYZ'));
    expect((await handle.fstat()).size).toBe(102);
    expect(await handle.read(95, 20)).toEqual(concat(old.subarray(95, 98), bytes('WXYZ')));
    expect(await handle.read(0, 10)).toEqual(old.subarray(0, 10));
    await expectStatus(handle.read(102, 1), SftpStatus.EOF);
    await handle.close();
    expect(await h.content('rw')).toEqual(concat(old.subarray(0, 98), bytes('WXYZ')));
  });

  it('READ|WRITE on a large existing file: writes are immediate, reads see old and new bytes', async () => {
    const h = await make();
    const old = pattern(2_500_000, 10);
    await h.put('large', old);
    const handle = await h.session().open('/large', READ | WRITE, {});
    await handle.write(1_000_000, bytes('patched'));
    const expected = concat(old.subarray(0, 1_000_000), bytes('patched'), old.subarray(1_000_007));
    expect(await handle.read(999_990, 30)).toEqual(expected.subarray(999_990, 1_000_020));
    expect(await handle.read(2_499_990, 100)).toEqual(old.subarray(2_499_990));
    await handle.close();
    expectSameBytes(await h.content('large'), expected);
  });

  it('reports a commit failure at close (nodes gone) with FAILURE', async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/doomed', WRITE | CREAT | TRUNC, {});
    await handle.write(0, pattern(5000));
    h.setOffline(true);
    await expectStatus(handle.close(), SftpStatus.FAILURE);
    h.setOffline(false);
    expect(await h.content('doomed')).toBeUndefined();
    const snapshot = h.activity.snapshot().find((s) => s.id === handle.id);
    expect(snapshot?.state).toBe('failed');
    // Kept for a retry, which now succeeds since the nodes are back.
    expect(snapshot?.retryable).toBe(true);
    await h.activity.retry(handle.id);
    expect(h.activity.snapshot().find((s) => s.id === handle.id)?.state).toBe('committed');
    expectSameBytes(await h.content('doomed'), pattern(5000));
  });

  it('discards a failed commit for good when asked', async () => {
    const h = await make();
    const handle = await h.session().open('/discarded', WRITE | CREAT | TRUNC, {});
    await handle.write(0, pattern(5000));
    h.setOffline(true);
    await expectStatus(handle.close(), SftpStatus.FAILURE);
    h.setOffline(false);
    h.activity.discard(handle.id);
    expect(h.activity.snapshot().find((s) => s.id === handle.id)?.state).toBe('abandoned');
    expect(await h.names()).toEqual([]);
  });

  it('fsync commits at once (the file is visible before close) and reports failures', async () => {
    const h = await make();
    const session = h.session();
    const handle = await session.open('/synced', WRITE | CREAT | TRUNC, {});
    await handle.write(0, bytes('first part'));
    await handle.fsync();
    expect(text((await h.content('synced')) ?? new Uint8Array())).toBe('first part');
    await handle.write(10, bytes(', second part'));
    h.setOffline(true);
    await expectStatus(handle.fsync(), SftpStatus.FAILURE);
    h.setOffline(false);
    await handle.close();
    expect(text((await h.content('synced')) ?? new Uint8Array())).toBe('first part, second part');
  });

  it('commits through a second open of the same path, last close wins', async () => {
    const h = await make();
    const session = h.session();
    const first = await session.open('/twice', WRITE | CREAT | TRUNC, {});
    const second = await session.open('/twice', WRITE | CREAT | TRUNC, {});
    await first.write(0, bytes('first'));
    await second.write(0, bytes('second'));
    await first.close();
    await second.close();
    expect(text(await readFile(session, '/twice'))).toBe('second');
  });

  it('writes a file of several segments and reads it back through the session', async () => {
    const h = await make();
    const session = h.session();
    const content = pattern(2_300_000, 12);
    await writeFile(session, '/big', content);
    expect((await session.stat('/big')).size).toBe(content.length);
    expectSameBytes(await readFile(session, '/big'), content);
  });
});
