// File-system session (issue 3): the name space. rename / posix-rename rules, mkdir and rmdir,
// remove, hardlink@openssh.com, setstat and statvfs@openssh.com.
import { describe, expect, it } from 'vitest';
import { formatCap } from '../../src/caps/text.js';
import { S_IFDIR } from '../../src/vfs/attributes.js';
import { SftpError, SftpStatus } from '../../src/vfs/sftp-status.js';
import { expectStatus, pattern, readFile, text, useSessionHarness } from './session-harness.js';

const make = useSessionHarness();

describe('rename', () => {
  it('renames a file to a free name (and keeps its cap)', async () => {
    const h = await make();
    const cap = await h.put('small', pattern(100));
    const session = h.session();
    await session.rename('/small', '/new_small');
    expect(await h.names()).toEqual(['new_small']);
    expect(formatCap((await h.capAt('new_small')) ?? cap)).toBe(formatCap(cap));
  });

  it('renames into a subdirectory, with a Unicode name', async () => {
    const h = await make();
    await h.put('gro\u00df', '0123456789');
    await h.mkdirDirect('loop');
    await h.session().rename('/gro\u00df', '/loop/neue_gro\u00df');
    expect(await h.names('loop')).toEqual(['neue_gro\u00df']);
    expect(text((await h.content('loop/neue_gro\u00df')) ?? new Uint8Array())).toBe('0123456789');
  });

  it('renames a directory', async () => {
    const h = await make();
    await h.mkdirDirect('dir');
    await h.put('dir/inside', 'x');
    await h.session().rename('/dir', '/dir2');
    expect(await h.names()).toEqual(['dir2']);
    expect(await h.names('dir2')).toEqual(['inside']);
  });

  it('refuses a plain rename onto an existing file or directory with FAILURE', async () => {
    const h = await make();
    await h.put('small', 'small');
    await h.put('small2', 'small2');
    await h.mkdirDirect('dir');
    const session = h.session();
    await expectStatus(session.rename('/small', '/small2'), SftpStatus.FAILURE);
    await expectStatus(session.rename('/small', '/dir'), SftpStatus.FAILURE);
    expect(text((await h.content('small')) ?? new Uint8Array())).toBe('small');
    expect(text((await h.content('small2')) ?? new Uint8Array())).toBe('small2');
    expect((await h.names()).sort()).toEqual(['dir', 'small', 'small2']);
  });

  it('posix-rename replaces the target', async () => {
    const h = await make();
    await h.put('small', 'the source');
    await h.put('small2', 'the target');
    const session = h.session();
    await session.posixRename('/small', '/small2');
    expect(await h.names()).toEqual(['small2']);
    expect(text((await h.content('small2')) ?? new Uint8Array())).toBe('the source');
  });

  it('posix-rename to a free name works like rename', async () => {
    const h = await make();
    await h.put('a', 'aaa');
    await h.session().posixRename('/a', '/b');
    expect(await h.names()).toEqual(['b']);
  });

  it('answers NO_SUCH_FILE for a missing source, a missing target directory, or a cap path', async () => {
    const h = await make();
    const cap = await h.put('small', pattern(100));
    const session = h.session();
    await expectStatus(session.rename('/nofile', '/newfile'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.posixRename('/nofile', '/newfile'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.rename('', '/newfile'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.rename('/small', '/nodir/small'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.rename('/small', new Uint8Array([0xff])), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.rename(`/uri/${formatCap(cap)}`, '/new'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.rename('/small', `/uri/${formatCap(cap)}`), SftpStatus.NO_SUCH_FILE);
    expect(await h.names()).toEqual(['small']);
  });
});

describe('mkdir and rmdir', () => {
  it('makes a directory that is empty, writable and listed as a directory', async () => {
    const h = await make();
    const session = h.session();
    await session.mkdir('/newdir', {});
    expect(await h.names()).toEqual(['newdir']);
    expect(await h.names('newdir')).toEqual([]);
    expect((await session.stat('/newdir')).permissions).toBe(S_IFDIR | 0o777);
  });

  it('makes a directory inside a new directory', async () => {
    const h = await make();
    const session = h.session();
    await session.mkdir('/parent', {});
    await session.mkdir('/parent/child', {});
    expect(await h.names('parent')).toEqual(['child']);
  });

  it('answers PERMISSION_DENIED to a directory that would be created read-only', async () => {
    const h = await make();
    await expectStatus(h.session().mkdir('/ro', { permissions: 0o444 }), SftpStatus.PERMISSION_DENIED);
    expect(await h.names()).toEqual([]);
  });

  it('removes an empty directory', async () => {
    const h = await make();
    await h.mkdirDirect('empty');
    await h.session().rmdir('/empty');
    expect(await h.names()).toEqual([]);
  });

  it('answers NO_SUCH_FILE to rmdir of a missing directory or of the root', async () => {
    const h = await make();
    const session = h.session();
    await expectStatus(session.rmdir('/nodir'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.rmdir('/nodir/nodir'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.rmdir(''), SftpStatus.NO_SUCH_FILE);
  });

  it('refuses rmdir of a file (PERMISSION_DENIED, as Tahoe) and keeps it', async () => {
    const h = await make();
    await h.put('gro\u00df', 'a file');
    await expectStatus(h.session().rmdir('/gro\u00df'), SftpStatus.PERMISSION_DENIED);
    expect(await h.names()).toEqual(['gro\u00df']);
  });

  it('refuses remove of a directory (PERMISSION_DENIED, as Tahoe) and keeps it', async () => {
    const h = await make();
    await h.mkdirDirect('dir');
    await expectStatus(h.session().remove('/dir'), SftpStatus.PERMISSION_DENIED);
    expect(await h.names()).toEqual(['dir']);
  });

  it('either refuses rmdir of a non-empty directory with FAILURE, or unlinks it whole as Tahoe does', async () => {
    const h = await make();
    await h.mkdirDirect('full');
    await h.put('full/child', 'x');
    let outcome: 'removed' | 'refused';
    try {
      await h.session().rmdir('/full');
      outcome = 'removed';
    } catch (error) {
      expect(error).toBeInstanceOf(SftpError);
      expect((error as SftpError).status).toBe(SftpStatus.FAILURE);
      outcome = 'refused';
    }
    expect(await h.names()).toEqual(outcome === 'removed' ? [] : ['full']);
  });

  it('removes a file', async () => {
    const h = await make();
    await h.put('gro\u00df', pattern(1010));
    await h.put('other', 'stays');
    await h.session().remove('/gro\u00df');
    expect(await h.names()).toEqual(['other']);
  });
});

describe('hardlink, setstat and statvfs', () => {
  it('hardlink makes a second name with the same content and cap', async () => {
    const h = await make();
    const content = pattern(3000, 8);
    const cap = await h.put('original', content);
    const session = h.session();
    await session.hardlink('/original', '/copy');
    expect((await h.names()).sort()).toEqual(['copy', 'original']);
    expect(await readFile(session, '/copy')).toEqual(content);
    expect(formatCap((await h.capAt('copy')) ?? { kind: 'unknown', text: '' })).toBe(formatCap(cap));
    // The names are independent links: removing one keeps the other.
    await session.remove('/original');
    expect(await readFile(session, '/copy')).toEqual(content);
  });

  it('hardlink refuses an existing target (FAILURE) and a missing source (NO_SUCH_FILE)', async () => {
    const h = await make();
    await h.put('a', 'aaa');
    await h.put('b', 'bbb');
    const session = h.session();
    await expectStatus(session.hardlink('/a', '/b'), SftpStatus.FAILURE);
    await expectStatus(session.hardlink('/missing', '/c'), SftpStatus.NO_SUCH_FILE);
    expect(text((await h.content('b')) ?? new Uint8Array())).toBe('bbb');
  });

  it('setstat changes mtime, and chmod a-w marks the link no-write', async () => {
    const h = await make();
    await h.put('file', pattern(100));
    const session = h.session();
    await session.setstat('/file', { mtime: 1_234_567_890 });
    expect((await session.stat('/file')).mtime).toBe(1_234_567_890);
    await session.setstat('/file', { permissions: 0o444 });
    expect(((await session.stat('/file')).permissions ?? 0) & 0o777).toBe(0o444);
    await session.setstat('/file', { permissions: 0o644 });
    expect(((await session.stat('/file')).permissions ?? 0) & 0o777).toBe(0o666);
    await expectStatus(session.setstat('/missing', { mtime: 1 }), SftpStatus.NO_SUCH_FILE);
  });

  it('statvfs answers with the grid capacity after the n/k expansion', async () => {
    const h = await make();
    await h.put('some', pattern(100_000));
    const session = h.session();
    const vfs = await session.statvfs('/');
    const capacity = await h.grid.capacity();
    for (const value of [vfs.blockSize, vfs.fragmentSize, vfs.blocks, vfs.blocksFree, vfs.blocksAvailable]) {
      expect(Number.isSafeInteger(value) && value >= 0, `${value}`).toBe(true);
    }
    expect(vfs.fragmentSize).toBeGreaterThan(0);
    expect(vfs.blocks).toBeGreaterThan(0);
    expect(vfs.blocksFree).toBeLessThanOrEqual(vfs.blocks);
    expect(vfs.blocksAvailable).toBeLessThanOrEqual(vfs.blocksFree);
    expect(vfs.nameMax).toBeGreaterThanOrEqual(255);
    expect(vfs.readOnly).toBe(false);
    const total = vfs.blocks * vfs.fragmentSize;
    const free = vfs.blocksFree * vfs.fragmentSize;
    expect(Math.abs(total - capacity.effectiveTotalBytes)).toBeLessThanOrEqual(vfs.fragmentSize);
    expect(Math.abs(free - capacity.effectiveFreeBytes)).toBeLessThanOrEqual(vfs.fragmentSize);
    // Something is stored, so not everything is free.
    expect(free).toBeLessThan(total);
  });
});
