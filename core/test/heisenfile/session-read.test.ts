// File-system session (issue 3): reading. EOF rules, closed handles, /uri/<cap>, and a grid that
// goes away under an open reader (Tahoe's "nuke_from_orbit": reads fail, a read handle's close does not).
import { describe, expect, it } from 'vitest';
import { formatCap } from '../../src/caps/text.js';
import { SftpStatus } from '../../src/vfs/sftp-status.js';
import {
  READ,
  WRITE,
  bytes,
  expectSameBytes,
  expectStatus,
  pattern,
  readFile,
  readToEnd,
  text,
  useSessionHarness,
} from './session-harness.js';

const make = useSessionHarness();
const MiB = 1024 * 1024;

describe('session reads', () => {
  it('answers EOF at and past the end, and a short read near the end', async () => {
    const h = await make();
    const content = pattern(100);
    await h.put('file', content);
    const session = h.session();
    const handle = await session.open('/file', READ, {});
    expect(await handle.read(0, 10)).toEqual(content.subarray(0, 10));
    expect(await handle.read(95, 10)).toEqual(content.subarray(95, 100));
    await expectStatus(handle.read(100, 10), SftpStatus.EOF);
    await expectStatus(handle.read(1000, 1), SftpStatus.EOF);
    expect((await handle.fstat()).size).toBe(100);
    await handle.close();
  });

  it('reads a LIT-sized file and an empty file (EOF at offset 0)', async () => {
    const h = await make();
    await h.put('small', '0123456789');
    await h.put('empty', new Uint8Array(0));
    const session = h.session();
    const small = await session.open('/small', READ, {});
    expect(text(await small.read(0, 10))).toBe('0123456789');
    expect(text(await small.read(8, 100))).toBe('89');
    await expectStatus(small.read(10, 1), SftpStatus.EOF);
    await small.close();
    const empty = await session.open('/empty', READ, {});
    await expectStatus(empty.read(0, 1), SftpStatus.EOF);
    await empty.close();
  });

  it('reads a multi-segment file in odd-sized chunks', async () => {
    const h = await make();
    const content = pattern(300_000, 3);
    await h.put('big', content);
    const handle = await h.session().open('/big', READ, {});
    expectSameBytes(await readToEnd(handle, 0, 65_537), content);
    expect(await handle.read(123_456, 7)).toEqual(content.subarray(123_456, 123_463));
    await handle.close();
  });

  it('answers BAD_MESSAGE to reading or stat-ing a closed handle, and a second close is harmless', async () => {
    const h = await make();
    await h.put('file', pattern(100));
    const handle = await h.session().open('/file', READ, {});
    await handle.close();
    await expectStatus(handle.read(0, 10), SftpStatus.BAD_MESSAGE);
    await expectStatus(handle.fstat(), SftpStatus.BAD_MESSAGE);
    await handle.close();
  });

  it('answers PERMISSION_DENIED to a write on a read-only handle', async () => {
    const h = await make();
    await h.put('file', pattern(100));
    const handle = await h.session().open('/file', READ, {});
    await expectStatus(handle.write(0, bytes('x')), SftpStatus.PERMISSION_DENIED);
    await expectStatus(handle.fsetstat({ size: 1 }), SftpStatus.PERMISSION_DENIED);
    await handle.close();
    expect(await h.content('file')).toEqual(pattern(100));
  });

  it('reads a file through /uri/<cap>, without a parent directory', async () => {
    const h = await make();
    const content = pattern(2000, 11);
    const cap = await h.put('file', content);
    const session = h.session();
    expect(await readFile(session, `/uri/${formatCap(cap)}`)).toEqual(content);
    const attrs = await session.stat(`/uri/${formatCap(cap)}`);
    expect(attrs.size).toBe(2000);
    // Without a parent an immutable file cannot be replaced: no write bits.
    expect((attrs.permissions ?? 0) & 0o222).toBe(0);
  });

  it('reads a file inside a directory reached through /uri/<dircap>', async () => {
    const h = await make();
    const dir = await h.mkdirDirect('dir');
    await h.put('dir/inner', 'inside');
    expect(text(await readFile(h.session(), `/uri/${formatCap(dir)}/inner`))).toBe('inside');
  });

  it('fails reads but not the close when the grid is destroyed after open', async () => {
    const h = await make();
    // Three 1 MiB segments: the last one cannot have been fetched yet when the nodes go.
    await h.put('file', pattern(3 * MiB, 5));
    const handle = await h.session().open('/file', READ, {});
    h.setOffline(true);
    await expectStatus(handle.read(2.5 * MiB, 1000), SftpStatus.FAILURE);
    await handle.close();
  });

  it('fails the reads and the close of a read-write handle when the grid is destroyed', async () => {
    const h = await make();
    await h.put('file', pattern(3 * MiB, 6));
    const handle = await h.session().open('/file', READ | WRITE, {});
    h.setOffline(true);
    await handle.write(0, bytes('abcdefghij'));
    // Reliably failing: the bytes past the written chunk must come from the grid.
    await expectStatus(handle.read(2.5 * MiB, 1000), SftpStatus.FAILURE);
    await expectStatus(handle.close(), SftpStatus.FAILURE);
  });
});
