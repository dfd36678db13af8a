import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatCap, type Cap } from '@grid-sftp/core';
import { AccountError, AccountStore } from '../../src/accounts/account-store.js';
import { hashPassword, verifyPassword } from '../../src/accounts/password.js';
import { parsePublicKey, PublicKeyError } from '../../src/accounts/public-key.js';
import { parseTahoeAccounts } from '../../src/accounts/tahoe-import.js';
import { aesGcmBox, keyFileSecretBox, masterKeyPath } from '../../src/home/secret-box.js';
import { ed25519Line } from '../helpers/ssh-keys.js';

const dirCap = (fill: number): Cap => ({
  kind: 'mutable-write',
  flavor: 'dir',
  seed: new Uint8Array(32).fill(fill),
});

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'grid-accounts-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('passwords', () => {
  it('hashes with a fresh salt and verifies only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toContain('correct');
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct hors', a)).toBe(false);
    await expect(hashPassword('')).rejects.toThrow(RangeError);
  });
});

describe('public keys', () => {
  it('parses OpenSSH lines, fingerprints them, and refuses mislabelled or broken keys', () => {
    const line = ed25519Line('alice@laptop');
    const key = parsePublicKey(`${line}\n`);
    expect(key).toMatchObject({ type: 'ssh-ed25519', comment: 'alice@laptop' });
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(() => parsePublicKey(line.replace('ssh-ed25519', 'ssh-rsa'))).toThrow(PublicKeyError);
    expect(() => parsePublicKey('ssh-ed25519 !!!notbase64')).toThrow(PublicKeyError);
    expect(() => parsePublicKey('hello world')).toThrow(PublicKeyError);
  });
});

describe('secret box', () => {
  it('seals so that only the same key opens, and keeps its key owner-only', async () => {
    const box = await keyFileSecretBox(home);
    const sealed = box.seal(new TextEncoder().encode('root cap'));
    expect(sealed).not.toContain('root cap');
    expect(new TextDecoder().decode((await keyFileSecretBox(home)).open(sealed))).toBe('root cap');
    expect((await stat(masterKeyPath(home))).mode & 0o777).toBe(0o600);
    expect(() => aesGcmBox(new Uint8Array(32)).open(sealed)).toThrow(/does not open/);
  });
});

describe('AccountStore', () => {
  it('adds, lists without secrets, keeps caps sealed, checks passwords and keys, removes', async () => {
    const box = await keyFileSecretBox(home);
    const store = await AccountStore.open(home, box);
    const key = parsePublicKey(ed25519Line());
    await store.add({ name: 'alice', password: 's3cret', keys: [key], root: dirCap(1) });
    await store.add({ name: 'bob', keys: [key], root: dirCap(2), readOnly: true });
    const reopened = await AccountStore.open(home, box);
    expect(reopened.list().map((a) => [a.name, a.hasPassword, a.readOnly])).toEqual([
      ['alice', true, false],
      ['bob', false, true],
    ]);
    const file = await readFile(join(home, 'accounts.json'), 'utf8');
    expect(file).not.toContain(formatCap(dirCap(1)));
    expect(file).not.toContain('s3cret');
    expect((await stat(join(home, 'accounts.json'))).mode & 0o777).toBe(0o600);
    expect(formatCap(reopened.secretsOf('alice').root)).toBe(formatCap(dirCap(1)));
    expect(reopened.secretsOf('bob').root.kind).toBe('mutable-read'); // read-only keeps the read cap only
    expect(reopened.secretsOf('alice').convergenceSecret).not.toEqual(
      reopened.secretsOf('bob').convergenceSecret,
    );
    expect(await reopened.checkPassword('alice', 's3cret')).toBe(true);
    expect(await reopened.checkPassword('alice', 'wrong')).toBe(false);
    expect(await reopened.checkPassword('bob', '')).toBe(false);
    expect(reopened.hasKey('bob', key.type, key.data)).toBe(true);
    expect(reopened.hasKey('bob', key.type, parsePublicKey(ed25519Line()).data)).toBe(false);
    await reopened.remove('bob');
    expect((await AccountStore.open(home, box)).list().map((a) => a.name)).toEqual(['alice']);
  });

  it('refuses bad names, duplicates, file caps as roots and accounts nobody can log in to', async () => {
    const store = await AccountStore.open(home, await keyFileSecretBox(home));
    await store.add({ name: 'carol', password: 'x', root: dirCap(3) });
    await expect(store.add({ name: 'carol', password: 'x', root: dirCap(3) })).rejects.toThrow(AccountError);
    await expect(store.add({ name: '../evil', password: 'x', root: dirCap(3) })).rejects.toThrow(
      /not a valid account name/,
    );
    await expect(store.add({ name: 'dave', root: dirCap(4) })).rejects.toThrow(
      /password or at least one public key/,
    );
    await expect(
      store.add({ name: 'erin', password: 'x', root: { kind: 'lit', data: new Uint8Array(0) } }),
    ).rejects.toThrow(/directory cap/);
    await expect(store.remove('nobody')).rejects.toThrow(AccountError);
  });
});

describe('Tahoe-LAFS accounts files', () => {
  it('reads key and password lines, skips comments, and reports bad lines by number', () => {
    const key = ed25519Line().split(' ').slice(0, 2).join(' ');
    const text = `# accounts\n\nalice ${key} URI:DIR2:aaaa:bbbb\nbob sekrit URI:DIR2:cccc:dddd\n`;
    const { accounts, errors } = parseTahoeAccounts(text);
    expect(errors).toEqual([]);
    expect(accounts.map((a) => [a.line, a.name, a.password, a.key?.type, a.rootCap])).toEqual([
      [3, 'alice', undefined, 'ssh-ed25519', 'URI:DIR2:aaaa:bbbb'],
      [4, 'bob', 'sekrit', undefined, 'URI:DIR2:cccc:dddd'],
    ]);
    const mislabelled = ed25519Line().split(' ')[1] ?? '';
    expect(parseTahoeAccounts(`x y\nmallory ssh-rsa ${mislabelled} URI:DIR2:e:f`).errors).toEqual([
      'line 1: expected "USER PASSWORD ROOTCAP" or "USER KEYTYPE KEY ROOTCAP"',
      'line 2: the key data is not a ssh-rsa key',
    ]);
  });
});
