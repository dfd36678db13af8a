import { describe, expect, it } from 'vitest';
import { SftpError, SftpStatus } from '../../src/vfs/sftp-status.js';
import { formatPath, parsePath, type ParsedPath } from '../../src/vfs/paths.js';
import { caps } from './caps-fixture.js';

const home = (...names: string[]): ParsedPath => ({ root: 'home', names });
const bytes = (...values: number[]) => new Uint8Array(values);

function expectNoSuchFile(path: string | Uint8Array): SftpError {
  let caught: unknown;
  try {
    parsePath(path);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SftpError);
  expect((caught as SftpError).status).toBe(SftpStatus.NO_SUCH_FILE);
  return caught as SftpError;
}

describe('parsePath', () => {
  // Tahoe's test_sftp.py cases for _path_from_string and realPath.
  it.each([
    ['', []],
    ['.', []],
    ['/', []],
    ['//', []],
    ['/.', []],
    ['/./', []],
    ['foo', ['foo']],
    ['/foo', ['foo']],
    ['foo/', ['foo']],
    ['/foo/', ['foo']],
    ['a/b', ['a', 'b']],
    ['/a/b', ['a', 'b']],
    ['foo/bar//', ['foo', 'bar']],
    ['foo//bar', ['foo', 'bar']],
    ['foo/./bar', ['foo', 'bar']],
    ['./foo/./bar', ['foo', 'bar']],
    ['foo/../bar', ['bar']],
    ['/foo/../bar', ['bar']],
    ['../bar', ['bar']],
    ['/../bar', ['bar']],
    ['../a', ['a']],
    ['/a/../..', []],
    ['/..', []],
    ['foo/..', []],
    ['foo/.', ['foo']],
    ['/uri/..', []],
    ['a/../uri/../b', ['b']],
  ])('%j resolves to %j under the root', (input, names) => {
    expect(parsePath(input)).toEqual(home(...names));
    expect(parsePath(new TextEncoder().encode(input))).toEqual(home(...names));
    expect(formatPath(parsePath(input))).toBe('/' + names.join('/'));
  });

  it('addresses a cap under /uri and never climbs above it', () => {
    expect(parsePath(`/uri/${caps.dir}`)).toEqual({ root: { cap: caps.dir }, names: [] });
    expect(parsePath(`/uri/${caps.dir}/..`)).toEqual({ root: { cap: caps.dir }, names: [] });
    expect(parsePath(`/uri/${caps.dir}/a/../../../..`)).toEqual({ root: { cap: caps.dir }, names: [] });
    expect(parsePath(`uri/${caps.dir}/a/./b/`)).toEqual({ root: { cap: caps.dir }, names: ['a', 'b'] });
    expect(parsePath(`x/../uri/${caps.dirRead}/a`)).toEqual({ root: { cap: caps.dirRead }, names: ['a'] });
    expect(formatPath(parsePath(`//uri//${caps.dir}/x/`))).toBe(`/uri/${caps.dir}/x`);
    expect(formatPath(parsePath(`/uri/${caps.dir}/..`))).toBe(`/uri/${caps.dir}`);
  });

  it('keeps a child named uri below the root', () => {
    expect(parsePath('/a/uri/b')).toEqual(home('a', 'uri', 'b'));
  });

  it('passes caps of unknown kinds through for the session to refuse', () => {
    expect(parsePath('/uri/URI:DIR2:abc:def/x')).toEqual({ root: { cap: 'URI:DIR2:abc:def' }, names: ['x'] });
  });

  it('refuses a malformed cap of ours and a bare /uri without naming the cap', () => {
    expectNoSuchFile('/uri/gs1-chk-zzz');
    expectNoSuchFile('/uri');
    expectNoSuchFile('/uri/.');
    expect(expectNoSuchFile('/uri/gs1-dir-notbase32!').message).not.toContain('gs1-');
  });

  it('refuses invalid UTF-8 with NO_SUCH_FILE, as Tahoe does', () => {
    expectNoSuchFile(bytes(0xff));
    expectNoSuchFile(bytes(0x61, 0x2f, 0xc3)); // truncated sequence
    expectNoSuchFile(bytes(0xc0, 0xaf)); // overlong '/'
    expectNoSuchFile(bytes(0xed, 0xa0, 0x80)); // encoded surrogate
    expectNoSuchFile(bytes(0x61, 0x2f, 0xff, 0x2f, 0x2e, 0x2e)); // even when '..' would drop it
    expectNoSuchFile('a\ud800b');
  });

  it('refuses NUL inside a name', () => {
    expectNoSuchFile('a/b\0c');
  });

  it('normalises names to NFC, from bytes and from strings', () => {
    const decomposed = new TextEncoder().encode('/cafe\u0301/x');
    expect(parsePath(decomposed)).toEqual(home('caf\u00e9', 'x'));
    expect(parsePath('cafe\u0301')).toEqual(home('caf\u00e9'));
    expect(formatPath(parsePath('/cafe\u0301/'))).toBe('/caf\u00e9');
  });

  it('keeps a leading byte-order mark as part of the name', () => {
    expect(parsePath(bytes(0xef, 0xbb, 0xbf, 0x61))).toEqual(home('\ufeffa'));
  });

  it('decodes multi-byte names', () => {
    expect(parsePath(new TextEncoder().encode('/日本/😀'))).toEqual(home('日本', '😀'));
  });
});
