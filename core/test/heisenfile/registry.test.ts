import { describe, expect, it } from 'vitest';
import type { Cap } from '../../src/caps/cap.js';
import {
  direntryKey,
  HeisenfileRegistry,
  type DirentryKey,
  type Heisenfile,
} from '../../src/heisenfile/registry.js';

const dirA: Cap = { kind: 'mutable-write', flavor: 'dir', seed: new Uint8Array(32).fill(1) };
const dirB: Cap = { kind: 'mutable-write', flavor: 'dir', seed: new Uint8Array(32).fill(2) };

/** A stand-in for the session's file handle: records what the registry does to it. */
class FakeFile implements Heisenfile {
  abandoned = false;
  closed = false;
  direntry: DirentryKey | undefined;
  private committing: Promise<void> = Promise.resolve();
  finishCommit: () => void = () => undefined;

  constructor(
    public userpath: string,
    parent?: Cap,
    name?: string,
  ) {
    this.direntry = direntryKey(parent, name);
  }

  abandon(): void {
    this.abandoned = true;
  }

  rename(userpath: string, parent: Cap | undefined, childName: string | undefined): void {
    this.userpath = userpath;
    this.direntry = direntryKey(parent, childName);
  }

  /** Simulates a close whose commit is under way until finishCommit() is called. */
  startClosing(): void {
    this.closed = true;
    this.committing = new Promise((resolve) => (this.finishCommit = resolve));
  }

  sync(): Promise<void> {
    return this.committing;
  }

  linkedSinceRename(): boolean {
    return false;
  }

  published(): Promise<void> {
    return Promise.resolve();
  }
}

const alice = { id: 'alice-1' };
const bob = { id: 'bob-1' };

describe('HeisenfileRegistry', () => {
  it('finds a file by path from the moment of open, and by entry from every session once known', () => {
    const registry = new HeisenfileRegistry();
    const file = new FakeFile('/docs/a.txt');
    registry.addByPath(alice, file);
    expect(registry.filesAt(alice, '/docs/a.txt', undefined)).toEqual([file]);
    expect(registry.filesAt(bob, '/docs/a.txt', undefined)).toEqual([]);
    file.direntry = direntryKey(dirA, 'a.txt');
    registry.addByDirentry(file);
    // Bob reaches the same directory through his own path (and even his own cap to it).
    expect(registry.filesAt(bob, '/shared/a.txt', direntryKey(dirA, 'a.txt'))).toEqual([file]);
    expect(direntryKey(dirA, 'cafe\u0301')).toBe(direntryKey(dirA, 'caf\u00e9'));
    registry.remove(file);
    expect(registry.size).toBe(0);
  });

  it('abandons on remove at once, then waits for a close already under way', async () => {
    const registry = new HeisenfileRegistry();
    const file = new FakeFile('/a', dirA, 'a');
    registry.addByPath(alice, file);
    registry.addByDirentry(file);
    file.startClosing();
    let done = false;
    const removing = registry.abandonAt(bob, '/elsewhere/a', direntryKey(dirA, 'a')).then((found) => {
      done = true;
      return found;
    });
    // Synchronously abandoned: a commit that checks the flag after this point never links the file.
    expect(file.abandoned).toBe(true);
    await Promise.resolve();
    expect(done).toBe(false);
    file.finishCommit();
    await expect(removing).resolves.toBe(true);
    expect(registry.size).toBe(0);
    await expect(registry.abandonAt(alice, '/a', direntryKey(dirA, 'a'))).resolves.toBe(false);
  });

  it('moves the pending commit on rename, refusing an occupied destination without overwrite', async () => {
    const registry = new HeisenfileRegistry();
    const file = new FakeFile('/a', dirA, 'a');
    registry.addByPath(alice, file);
    registry.addByDirentry(file);
    const other = new FakeFile('/b', dirB, 'b');
    registry.addByPath(alice, other);
    registry.addByDirentry(other);
    const from = { userpath: '/a', parent: dirA, childName: 'a' };
    await expect(
      registry.renameAt(alice, from, { userpath: '/b', parent: dirB, childName: 'b' }, false),
    ).resolves.toBe('exists');
    expect(file.userpath).toBe('/a');
    await expect(
      registry.renameAt(alice, from, { userpath: '/c', parent: dirB, childName: 'c' }, false),
    ).resolves.toEqual({ moved: true, linkedAtDestination: false });
    expect(file.userpath).toBe('/c');
    expect(registry.filesAt(alice, '/a', direntryKey(dirA, 'a'))).toEqual([]);
    expect(registry.filesAt(bob, '/x', direntryKey(dirB, 'c'))).toEqual([file]);
    registry.remove(file);
    registry.remove(other);
    expect(registry.size).toBe(0);
  });

  it('keeps a file in its own session’s index when another session renames it', async () => {
    const registry = new HeisenfileRegistry();
    const file = new FakeFile('/mine/a', dirA, 'a');
    registry.addByPath(alice, file);
    registry.addByDirentry(file);
    await registry.renameAt(
      bob,
      { userpath: '/bobs/a', parent: dirA, childName: 'a' },
      { userpath: '/bobs/z', parent: dirA, childName: 'z' },
      true,
    );
    expect(registry.filesAt(bob, '/bobs/z', undefined)).toEqual([]);
    expect(registry.filesAt(alice, '/bobs/z', undefined)).toEqual([file]);
    expect(registry.endSession(bob)).toEqual([]);
    expect(file.abandoned).toBe(false);
    registry.remove(file);
    expect(registry.size).toBe(0);
  });

  it('lets a reopen wait for the commits at its path, except its own', async () => {
    const registry = new HeisenfileRegistry();
    const closing = new FakeFile('/a', dirA, 'a');
    const reopened = new FakeFile('/a', dirA, 'a');
    for (const f of [closing, reopened]) {
      registry.addByPath(alice, f);
      registry.addByDirentry(f);
    }
    closing.startClosing();
    reopened.startClosing(); // never finishes: ignored
    let synced = false;
    const waiting = registry
      .syncAt(alice, '/a', direntryKey(dirA, 'a'), reopened)
      .then(() => (synced = true));
    await Promise.resolve();
    expect(synced).toBe(false);
    closing.finishCommit();
    await waiting;
    expect(synced).toBe(true);
  });

  it('abandons exactly the files of a session that ends', () => {
    const registry = new HeisenfileRegistry();
    const mine = new FakeFile('/a', dirA, 'a');
    const theirs = new FakeFile('/b', dirA, 'b');
    registry.addByPath(alice, mine);
    registry.addByDirentry(mine);
    registry.addByPath(bob, theirs);
    registry.addByDirentry(theirs);
    expect(registry.endSession(alice)).toEqual([mine]);
    expect(mine.abandoned).toBe(true);
    expect(theirs.abandoned).toBe(false);
    expect(registry.has(mine)).toBe(false);
    expect(registry.filesAt(alice, '/x', direntryKey(dirA, 'b'))).toEqual([theirs]);
  });
});
