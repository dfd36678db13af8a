// File-system session (issue 3): path normalisation, UTF-8 names, and the error mapping of
// DESIGN §4 (Tahoe's _convert_error), including a read-only account.
import { describe, expect, it } from 'vitest';
import { mutableReadCap } from '../../src/caps/derive.js';
import { formatCap } from '../../src/caps/text.js';
import { S_IFDIR, S_IFREG } from '../../src/vfs/attributes.js';
import { SftpStatus } from '../../src/vfs/sftp-status.js';
import {
  CREAT,
  READ,
  TRUNC,
  WRITE,
  bytes,
  expectStatus,
  readFile,
  text,
  useSessionHarness,
  writeFile,
} from './session-harness.js';

const make = useSessionHarness();
const INVALID_UTF8 = new Uint8Array([0x66, 0xff, 0x6f]);

describe('session paths', () => {
  it('normalises the root spellings to /', async () => {
    const session = (await make()).session();
    for (const path of ['', '.', '/', '//', '/.', '/./', '/a/../..', '../..', 'a/b/../../..']) {
      expect(await session.realpath(path), JSON.stringify(path)).toBe('/');
    }
  });

  it('resolves relative paths against the root and never climbs above it', async () => {
    const session = (await make()).session();
    expect(await session.realpath('foo')).toBe('/foo');
    expect(await session.realpath('foo/')).toBe('/foo');
    expect(await session.realpath('./foo/./bar//')).toBe('/foo/bar');
    expect(await session.realpath('foo/../bar')).toBe('/bar');
    expect(await session.realpath('/../bar')).toBe('/bar');
    expect(await session.realpath(bytes('/x/y'))).toBe('/x/y');
  });

  it('keeps /uri/<cap> as a root that .. cannot climb above', async () => {
    const h = await make();
    const session = h.session();
    const cap = formatCap(h.root);
    expect(await session.realpath(`/uri/${cap}`)).toBe(`/uri/${cap}`);
    expect(await session.realpath(`/uri/${cap}/a/..`)).toBe(`/uri/${cap}`);
    expect(await session.realpath(`/uri/${cap}/../..`)).toBe(`/uri/${cap}`);
    expect(await session.realpath(`/uri/${cap}/sub/file`)).toBe(`/uri/${cap}/sub/file`);
  });

  it('reaches the same objects through /uri/<rootcap>', async () => {
    const h = await make();
    const session = h.session();
    await h.put('hello.txt', 'hello through a cap');
    const viaCap = await readFile(session, `/uri/${formatCap(h.root)}/hello.txt`);
    expect(text(viaCap)).toBe('hello through a cap');
  });

  it('refuses names that are not valid UTF-8 with NO_SUCH_FILE', async () => {
    const session = (await make()).session();
    await expectStatus(session.realpath(new Uint8Array([0xff])), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.stat(INVALID_UTF8), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.mkdir(INVALID_UTF8, {}), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.open(INVALID_UTF8, WRITE | CREAT, {}), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.opendir(INVALID_UTF8), SftpStatus.NO_SUCH_FILE);
  });

  it('accepts UTF-8 byte paths and stores NFC names', async () => {
    const h = await make();
    const session = h.session();
    // "gro\u00df" as raw bytes, and a decomposed "cafe\u0301" that must land as "caf\u00e9".
    await writeFile(session, bytes('gro\u00df'), 'eszett');
    await writeFile(session, 'cafe\u0301', 'accent');
    expect((await h.names()).sort()).toEqual(['caf\u00e9', 'gro\u00df']);
    expect(text(await readFile(session, 'caf\u00e9'))).toBe('accent');
  });
});

describe('session error mapping', () => {
  it('answers NO_SUCH_FILE for a missing path (stat, lstat, open, opendir, remove)', async () => {
    const session = (await make()).session();
    await expectStatus(session.stat('/missing'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.lstat('/missing'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.stat('/nodir/missing'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.open('/missing', READ, {}), SftpStatus.NO_SUCH_FILE);
    // Without CREAT a missing file is not created.
    await expectStatus(session.open('/missing', WRITE, {}), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.opendir('/missing'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.remove('/missing'), SftpStatus.NO_SUCH_FILE);
    await expectStatus(session.remove(''), SftpStatus.NO_SUCH_FILE);
  });

  it('answers OP_UNSUPPORTED for readlink and symlink', async () => {
    const h = await make();
    await h.put('target', 'x');
    const session = h.session();
    await expectStatus(session.readlink('/target'), SftpStatus.OP_UNSUPPORTED);
    await expectStatus(session.readlink('/link'), SftpStatus.OP_UNSUPPORTED);
    await expectStatus(session.symlink('/link', '/target'), SftpStatus.OP_UNSUPPORTED);
    expect(await h.names()).toEqual(['target']);
  });

  it('answers FAILURE for mkdir of an existing name (directory or file)', async () => {
    const h = await make();
    await h.put('small', 'a file');
    await h.mkdirDirect('dir');
    const session = h.session();
    await expectStatus(session.mkdir('/small', {}), SftpStatus.FAILURE);
    await expectStatus(session.mkdir('/dir', {}), SftpStatus.FAILURE);
    expect(text((await h.content('small')) ?? new Uint8Array())).toBe('a file');
  });

  it('answers PERMISSION_DENIED to opening a directory as a file', async () => {
    const h = await make();
    await h.mkdirDirect('dir');
    const session = h.session();
    await expectStatus(session.open('/dir', READ, {}), SftpStatus.PERMISSION_DENIED);
    await expectStatus(session.open('/dir', WRITE | CREAT, {}), SftpStatus.PERMISSION_DENIED);
  });

  it('answers PERMISSION_DENIED to writing an immutable file reached by /uri/<cap>', async () => {
    const h = await make();
    const cap = await h.put('small', 'some immutable content, long enough to be a CHK file, not LIT');
    const session = h.session();
    await expectStatus(session.open(`/uri/${formatCap(cap)}`, WRITE, {}), SftpStatus.PERMISSION_DENIED);
    await expectStatus(
      session.open(`/uri/${formatCap(cap)}`, WRITE | CREAT | TRUNC, {}),
      SftpStatus.PERMISSION_DENIED,
    );
    const attrs = await session.stat(`/uri/${formatCap(cap)}`);
    expect((attrs.permissions ?? 0) & 0o222).toBe(0);
  });
});

describe('a read-only account', () => {
  async function readOnly() {
    const h = await make();
    await h.put('file', 'read me');
    await h.mkdirDirect('dir');
    const session = h.session({ account: 'reader', root: mutableReadCap(h.root) });
    return { h, session };
  }

  it('sees no write bits on the root, on files and on directories', async () => {
    const { session } = await readOnly();
    const rootAttrs = await session.stat('/');
    expect((rootAttrs.permissions ?? 0) & 0o170000).toBe(S_IFDIR);
    expect((rootAttrs.permissions ?? 0) & 0o777).toBe(0o555);
    const fileAttrs = await session.stat('/file');
    expect((fileAttrs.permissions ?? 0) & 0o170000).toBe(S_IFREG);
    expect((fileAttrs.permissions ?? 0) & 0o777).toBe(0o444);
    const dirAttrs = await session.stat('/dir');
    expect((dirAttrs.permissions ?? 0) & 0o222).toBe(0);
  });

  it('can read', async () => {
    const { session } = await readOnly();
    expect(text(await readFile(session, '/file'))).toBe('read me');
  });

  it('answers PERMISSION_DENIED to every write, and nothing changes', async () => {
    const { h, session } = await readOnly();
    await expectStatus(session.open('/new', WRITE | CREAT, {}), SftpStatus.PERMISSION_DENIED);
    await expectStatus(session.open('/file', WRITE, {}), SftpStatus.PERMISSION_DENIED);
    await expectStatus(session.open('/file', READ | WRITE, {}), SftpStatus.PERMISSION_DENIED);
    await expectStatus(session.open('/file', WRITE | TRUNC, {}), SftpStatus.PERMISSION_DENIED);
    await expectStatus(session.mkdir('/newdir', {}), SftpStatus.PERMISSION_DENIED);
    await expectStatus(session.remove('/file'), SftpStatus.PERMISSION_DENIED);
    await expectStatus(session.rmdir('/dir'), SftpStatus.PERMISSION_DENIED);
    await expectStatus(session.rename('/file', '/renamed'), SftpStatus.PERMISSION_DENIED);
    await expectStatus(session.posixRename('/file', '/renamed'), SftpStatus.PERMISSION_DENIED);
    await expectStatus(session.setstat('/file', { mtime: 1000 }), SftpStatus.PERMISSION_DENIED);
    expect((await h.names()).sort()).toEqual(['dir', 'file']);
    expect(text((await h.content('file')) ?? new Uint8Array())).toBe('read me');
  });
});
