// File-system session (issue 3): directory listings, long names an `ls -l` parser accepts, and the
// synthesized permissions of DESIGN §4 (directories 0777, files 0666, never execute bits).
import { describe, expect, it } from 'vitest';
import { S_IFDIR, S_IFREG } from '../../src/vfs/attributes.js';
import { SftpStatus } from '../../src/vfs/sftp-status.js';
import { expectStatus, listDir, pattern, useSessionHarness } from './session-harness.js';

const make = useSessionHarness();
const TYPE_MASK = 0o170000;

function lsLine(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    String.raw`^[d-][rwx-]{9}\s+\d+\s+\S+\s+\S+\s+\d+\s+\w{3}\s+\d{1,2}\s+(\d{2}:\d{2}|\d{4})\s+` +
      escaped +
      '$',
  );
}

describe('session listing', () => {
  it('lists every entry once with well-formed long names, then answers EOF', async () => {
    const h = await make();
    await h.put('small', 'tiny');
    await h.put('big', pattern(5000));
    await h.put('gro\u00df', '0123456789');
    await h.mkdirDirect('sub');
    const session = h.session();
    const entries = await listDir(session, '/');
    expect(entries.map((e) => e.filename).sort()).toEqual(['big', 'gro\u00df', 'small', 'sub']);
    for (const entry of entries) expect(entry.longname).toMatch(lsLine(entry.filename));

    const byName = new Map(entries.map((e) => [e.filename, e]));
    expect(byName.get('big')?.attrs.size).toBe(5000);
    expect(byName.get('small')?.attrs.size).toBe(4);
    expect(byName.get('big')?.longname).toMatch(/^-rw-rw-rw-\s+\d+\s+\S+\s+\S+\s+5000\s/);
    expect(byName.get('sub')?.longname).toMatch(/^drwxrwxrwx\s/);
  });

  it('gives directories 0777 and files 0666, with their type bits and no execute bits', async () => {
    const h = await make();
    await h.put('file', pattern(100));
    await h.mkdirDirect('dir');
    const session = h.session();
    const entries = await listDir(session, '');
    const file = entries.find((e) => e.filename === 'file');
    const dir = entries.find((e) => e.filename === 'dir');
    expect(file?.attrs.permissions).toBe(S_IFREG | 0o666);
    expect(dir?.attrs.permissions).toBe(S_IFDIR | 0o777);

    expect((await session.stat('/file')).permissions).toBe(S_IFREG | 0o666);
    expect((await session.stat('/dir')).permissions).toBe(S_IFDIR | 0o777);
    expect(((await session.stat('/')).permissions ?? 0) & TYPE_MASK).toBe(S_IFDIR);
    expect((await session.stat('/file')).size).toBe(100);
  });

  it('answers EOF at once for an empty directory, and again after the end', async () => {
    const h = await make();
    await h.mkdirDirect('empty');
    const session = h.session();
    const handle = await session.opendir('/empty');
    await expectStatus(handle.readdir(), SftpStatus.EOF);
    await expectStatus(handle.readdir(), SftpStatus.EOF);
    await handle.close();
  });

  it('lists a subdirectory and keeps names with spaces intact', async () => {
    const h = await make();
    await h.mkdirDirect('sub');
    await h.put('sub/with space.txt', 'x');
    const entries = await listDir(h.session(), '/sub');
    expect(entries.map((e) => e.filename)).toEqual(['with space.txt']);
    expect(entries[0]?.longname).toMatch(lsLine('with space.txt'));
  });

  it('refuses to list a file (PERMISSION_DENIED) or a missing directory (NO_SUCH_FILE)', async () => {
    const h = await make();
    await h.put('small', 'x');
    const session = h.session();
    await expectStatus(session.opendir('/small'), SftpStatus.PERMISSION_DENIED);
    await expectStatus(session.opendir('/nodir'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.opendir('/nodir/nodir'), SftpStatus.NO_SUCH_FILE);
  });
});
