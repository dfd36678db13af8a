import { describe, expect, it } from 'vitest';
import type { DirEntry } from '../../src/dirnode/entries.js';
import {
  attributesOf,
  attributesOfEntry,
  longname,
  metadataFromAttrs,
  S_IFDIR,
  S_IFREG,
  toSftpTime,
} from '../../src/vfs/attributes.js';
import { caps } from './caps-fixture.js';

const rw = { parentWritable: true };
const ro = { parentWritable: false };

describe('attributesOf', () => {
  it.each([
    ['lit', caps.lit, S_IFREG | 0o666, S_IFREG | 0o444, 5],
    ['chk', caps.chk, S_IFREG | 0o666, S_IFREG | 0o444, 123456],
    ['mutable file', caps.mut, S_IFREG | 0o666, S_IFREG | 0o666, 0],
    ['mutable file read cap', caps.mutRead, S_IFREG | 0o444, S_IFREG | 0o444, 0],
    ['directory', caps.dir, S_IFDIR | 0o777, S_IFDIR | 0o777, undefined],
    ['directory read cap', caps.dirRead, S_IFDIR | 0o555, S_IFDIR | 0o555, undefined],
    ['chk verify cap', caps.chkVerify, S_IFREG, S_IFREG, 123456],
    ['mutable verify cap', caps.mutVerify, S_IFREG, S_IFREG, 0],
    ['directory verify cap', caps.dirVerify, S_IFDIR, S_IFDIR, undefined],
  ])('%s: writable parent, then read-only parent', (_kind, cap, inWritable, inReadOnly, size) => {
    const a = attributesOf(cap, rw);
    expect(a.permissions).toBe(inWritable);
    expect(a.size).toBe(size);
    expect(a).toMatchObject({ uid: 0, gid: 0 });
    expect(attributesOf(cap, ro).permissions).toBe(inReadOnly);
  });

  it('never sets execute bits on files (directories need x to be entered)', () => {
    for (const cap of Object.values(caps)) {
      for (const options of [rw, ro]) {
        const mode = attributesOf(cap, options).permissions ?? 0;
        if ((mode & S_IFDIR) === 0) expect(mode & 0o111).toBe(0);
      }
    }
  });

  it('drops write bits for no-write metadata, even on write caps', () => {
    const metadata = { 'no-write': true };
    expect(attributesOf(caps.chk, { ...rw, metadata }).permissions).toBe(S_IFREG | 0o444);
    expect(attributesOf(caps.mut, { ...rw, metadata }).permissions).toBe(S_IFREG | 0o444);
    expect(attributesOf(caps.dir, { ...rw, metadata }).permissions).toBe(S_IFDIR | 0o555);
    expect(attributesOf(caps.chk, { ...rw, metadata: { 'no-write': false } }).permissions).toBe(
      S_IFREG | 0o666,
    );
  });

  it('gives unknown and unparseable caps no mode and no size, as Tahoe does', () => {
    for (const cap of ['URI:CHK:abc:def:3:10:100', 'gs1-future-x', 'gs1-chk-broken']) {
      const a = attributesOf(cap, rw);
      expect(a.permissions).toBe(0);
      expect(a.size).toBeUndefined();
    }
  });

  it('treats a file with no cap yet (being written) as a writable file of the given size', () => {
    expect(attributesOf(undefined, { ...rw, size: 42 })).toMatchObject({
      permissions: S_IFREG | 0o666,
      size: 42,
    });
    expect(attributesOf(undefined, rw).size).toBe(0);
    expect(attributesOf(undefined, ro).permissions).toBe(S_IFREG | 0o444);
  });

  it('takes a size from the caller for mutable files', () => {
    expect(attributesOf(caps.mut, { ...rw, size: 9000 }).size).toBe(9000);
  });

  it('takes mtime from metadata, falling back to linkmotime then ctime; atime follows', () => {
    const at = (metadata: Record<string, number>) => {
      const a = attributesOf(caps.chk, { ...rw, metadata });
      return [a.mtime, a.atime];
    };
    expect(at({ mtime: 100.9, linkmotime: 200, ctime: 300 })).toEqual([100, 100]);
    expect(at({ linkmotime: 200, ctime: 300 })).toEqual([200, 200]);
    expect(at({ ctime: 300 })).toEqual([300, 300]);
    expect(at({ linkcrtime: 400 })).toEqual([undefined, undefined]);
    expect('mtime' in attributesOf(caps.chk, rw)).toBe(false);
  });

  it('uses the write cap of an entry when it is there', () => {
    const entry: DirEntry = {
      name: 'f',
      readCap: caps.mutRead,
      writeCap: caps.mut,
      metadata: { mtime: 5 },
      isDirectory: false,
    };
    expect(attributesOfEntry(entry, ro)).toMatchObject({ permissions: S_IFREG | 0o666, mtime: 5 });
    expect(attributesOfEntry({ ...entry, writeCap: undefined }, rw).permissions).toBe(S_IFREG | 0o444);
    expect(attributesOfEntry({ ...entry, writeCap: undefined, readCap: undefined }, rw).permissions).toBe(0);
  });
});

describe('toSftpTime', () => {
  it('truncates to unsigned 32 bits as Tahoe does', () => {
    expect(toSftpTime(1.9)).toBe(1);
    expect(toSftpTime(-1)).toBe(0xffffffff);
    expect(toSftpTime(2 ** 32 + 5)).toBe(5);
    expect(toSftpTime(Number.NaN)).toBe(0);
  });
});

describe('metadataFromAttrs', () => {
  it('keeps mtime and maps the owner write bit to no-write', () => {
    expect(metadataFromAttrs({ atime: 10, mtime: 20 })).toEqual({ mtime: 20 });
    expect(metadataFromAttrs({ permissions: S_IFREG | 0o444 })).toEqual({ 'no-write': true });
    expect(metadataFromAttrs({ permissions: 0o644, mtime: 1 })).toEqual({ mtime: 1, 'no-write': false });
    expect(metadataFromAttrs({ size: 10, uid: 5, gid: 5, atime: 3 })).toEqual({});
  });
});

describe('longname', () => {
  const now = Date.UTC(2024, 5, 15, 12, 0, 0) / 1000;
  const recent = Date.UTC(2024, 5, 10, 9, 5, 0) / 1000;

  it('lays out a recent directory like ls -l', () => {
    const attrs = { permissions: S_IFDIR | 0o777, size: 4096, uid: 0, gid: 0, mtime: recent };
    expect(longname('name', attrs, now)).toBe('drwxrwxrwx    1 0        0            4096 Jun 10 09:05 name');
  });

  it('shows the year for old and future dates, keeping the column width', () => {
    const old = Date.UTC(2020, 0, 2, 3, 4) / 1000;
    const file = { permissions: S_IFREG | 0o444, size: 12, mtime: old };
    expect(longname('a.txt', file, now)).toBe(
      '-r--r--r--    1 0        0              12 Jan 02  2020 a.txt',
    );
    const future = now + 2 * 24 * 3600;
    expect(longname('f', { ...file, mtime: future }, now)).toBe(
      '-r--r--r--    1 0        0              12 Jun 17  2024 f',
    );
    // Within a day ahead is still shown with the time (clock skew), as Tahoe does.
    expect(longname('f', { ...file, mtime: now + 3600 }, now)).toContain(' Jun 15 13:00 f');
  });

  it('copes with missing attributes and unknown types', () => {
    expect(longname('u', {}, now)).toBe('?---------    1 0        0               0 Jan 01  1970 u');
  });

  it('shows control characters in names safely', () => {
    const line = longname('evil\nname\u0007\u2028x', { permissions: S_IFREG | 0o666, mtime: recent }, now);
    for (const c of ['\n', '\u0007', '\u2028']) expect(line).not.toContain(c);
    expect(line.endsWith(' evil?name??x')).toBe(true);
    expect(
      longname('caf\u00e9 😀', { permissions: S_IFREG, mtime: recent }, now).endsWith(' caf\u00e9 😀'),
    ).toBe(true);
  });

  it('defaults now to the current time', () => {
    const nowish = Math.floor(Date.now() / 1000);
    expect(longname('x', { permissions: S_IFREG, mtime: nowish })).toMatch(/ \d\d:\d\d x$/);
  });
});
