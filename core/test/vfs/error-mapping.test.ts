import { describe, expect, it } from 'vitest';
import { CapError } from '../../src/caps/cap.js';
import { DirectoryError, type DirectoryErrorCode } from '../../src/dirnode/entries.js';
import { NotEnoughSharesError, UploadError } from '../../src/grid/context.js';
import { UncoordinatedWriteError } from '../../src/mutable/mutable-file.js';
import { StorageFullError, StorageNodeError } from '../../src/storage/node.js';
import { scrubCaps, toSftpError } from '../../src/vfs/error-mapping.js';
import { EndOfFileError, NotSupportedError, SftpError, SftpStatus } from '../../src/vfs/sftp-status.js';
import { caps } from './caps-fixture.js';

describe('toSftpError', () => {
  it.each<[DirectoryErrorCode, number]>([
    ['no-such-child', SftpStatus.NO_SUCH_FILE],
    ['not-writeable', SftpStatus.PERMISSION_DENIED],
    ['exists', SftpStatus.FAILURE],
    ['not-a-directory', SftpStatus.PERMISSION_DENIED],
    ['is-a-directory', SftpStatus.PERMISSION_DENIED],
    ['bad-name', SftpStatus.NO_SUCH_FILE],
  ])('maps directory error %s to status %i, keeping the message', (code, status) => {
    const mapped = toSftpError(new DirectoryError(code, `"x" says ${code}`));
    expect(mapped).toBeInstanceOf(SftpError);
    expect(mapped.status).toBe(status);
    expect(mapped.message).toBe(`"x" says ${code}`);
  });

  it('maps not-supported and end of file', () => {
    expect(toSftpError(new NotSupportedError('readlink is not supported')).status).toBe(
      SftpStatus.OP_UNSUPPORTED,
    );
    expect(toSftpError(new EndOfFileError())).toMatchObject({
      status: SftpStatus.EOF,
      message: 'end of file reached',
    });
  });

  it('keeps an SftpError, scrubbing it only when it carries a cap', () => {
    const clean = new SftpError(SftpStatus.PERMISSION_DENIED, 'cannot open a directory cap');
    expect(toSftpError(clean)).toBe(clean);
    const leaky = toSftpError(new SftpError(SftpStatus.NO_SUCH_FILE, `no ${caps.dir}/a`));
    expect(leaky).toMatchObject({ status: SftpStatus.NO_SUCH_FILE, message: 'no <cap>/a' });
  });

  it('says plainly when shares are missing or the grid is full', () => {
    const problems = [{ nodeId: 'n1', shnum: 0, reason: 'storage node n1: no space left' }];
    expect(toSftpError(new NotEnoughSharesError('need 3 shares of abcdef, found 1', problems))).toMatchObject(
      {
        status: SftpStatus.FAILURE,
        message: 'not enough shares of this file are available on the grid',
      },
    );
    expect(toSftpError(new StorageFullError('n1'))).toMatchObject({
      status: SftpStatus.FAILURE,
      message: 'no space left on the grid',
    });
    const wrapped = new StorageNodeError('n1', 'put failed', { cause: new StorageFullError('n1') });
    expect(toSftpError(wrapped).message).toBe('no space left on the grid');
    expect(toSftpError(new UploadError('shares on 1 of 3 nodes', problems)).message).toBe(
      'no space left on the grid',
    );
    expect(toSftpError(new UploadError('shares on 1 of 3 nodes', [])).message).toBe(
      'could not store the file on enough storage nodes',
    );
  });

  it('maps the remaining grid errors to FAILURE', () => {
    expect(toSftpError(new UncoordinatedWriteError(5)).status).toBe(SftpStatus.FAILURE);
    expect(toSftpError(new CapError(`bad ${caps.chk}`))).toMatchObject({
      status: SftpStatus.FAILURE,
      message: 'invalid cap',
    });
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(toSftpError(enospc).status).toBe(SftpStatus.FAILURE);
  });

  it('hides anything unexpected behind a generic message', () => {
    for (const thrown of [new TypeError(`x of ${caps.dir} is undefined`), 'a string', undefined, { a: 1 }]) {
      expect(toSftpError(thrown)).toMatchObject({ status: SftpStatus.FAILURE, message: 'internal error' });
    }
  });

  it('never lets a cap of any kind through a directory error', () => {
    for (const cap of Object.values(caps)) {
      const mapped = toSftpError(new DirectoryError('no-such-child', `no child ${cap} here`));
      expect(mapped.message).toBe('no child <cap> here');
    }
  });
});

describe('scrubCaps', () => {
  it('replaces our caps and Tahoe caps, whatever their case', () => {
    expect(scrubCaps(`a ${caps.lit} b`)).toBe('a <cap> b');
    expect(scrubCaps(`${caps.chk.toUpperCase()}`)).toBe('<cap>');
    expect(scrubCaps('x URI:CHK:abc:def:3:10:100 y')).toBe('x <cap> y');
    expect(scrubCaps('URI:DIR2:ab:cd/sub')).toBe('<cap>/sub');
    expect(scrubCaps('ro.URI:SSK-RO:ab:cd')).toBe('ro.<cap>');
    expect(scrubCaps('gs1-future-kind-abc')).toBe('<cap>');
  });

  it('leaves ordinary text alone', () => {
    expect(scrubCaps('"notes.txt" already exists')).toBe('"notes.txt" already exists');
  });
});
