// What a CLOSE whose commit is still running means to everything after it (the SFTP layer lets
// later requests overtake such a CLOSE, main/src/sftp/request-order.ts), and how a session sees
// directories another process changes (the directory cache, core/src/dirnode/dir-cache.ts).
import { describe, expect, it } from 'vitest';
import { ActivityRegistry } from '../../src/activity/index.js';
import { Grid } from '../../src/grid/grid.js';
import { HeisenfileRegistry } from '../../src/heisenfile/registry.js';
import { FileSystemSession } from '../../src/heisenfile/session.js';
import { SftpStatus } from '../../src/vfs/sftp-status.js';
import {
  bytes,
  CREAT,
  EXCL,
  type Harness,
  expectStatus,
  listDir,
  READ,
  text,
  useSessionHarness,
  WRITE,
} from './session-harness.js';

const make = useSessionHarness();

async function readAll(session: ReturnType<Awaited<ReturnType<typeof make>>['session']>, path: string) {
  const handle = await session.open(path, READ, {});
  try {
    return text(await handle.read(0, 1 << 16));
  } finally {
    await handle.close();
  }
}

describe('a CLOSE whose commit is still running', () => {
  it('is committed even when the session ends right after it (sshfs unmounts without waiting)', async () => {
    const h = await make();
    for (const node of h.nodes) node.delayMs = 5; // the commit takes a while
    const session = h.session();
    const file = await session.open('/late', WRITE | CREAT, {});
    await file.write(0, bytes('kept, although the connection went away'));
    const closing = file.close();
    await session.end();
    await closing;
    expect(text((await h.content('late')) ?? new Uint8Array())).toBe(
      'kept, although the connection went away',
    );
  });

  it('is in a listing of its directory asked for after it, from any session', async () => {
    const h = await make();
    await h.mkdirDirect('d');
    for (const node of h.nodes) node.delayMs = 5;
    const writer = h.session();
    const file = await writer.open('/d/new', WRITE | CREAT, {});
    await file.write(0, bytes('x'));
    const closing = file.close();
    const other = h.session();
    expect((await listDir(other, '/d')).map((e) => e.filename)).toEqual(['new']);
    await expectStatus(other.rmdir('/d'), SftpStatus.FAILURE);
    await closing;
  });

  it('makes a MKDIR of its name fail, and a SETSTAT of its name land on the committed entry', async () => {
    const h = await make();
    for (const node of h.nodes) node.delayMs = 5;
    const session = h.session();
    const file = await session.open('/f', WRITE | CREAT, {});
    await file.write(0, bytes('content'));
    const closing = file.close();
    await session.setstat('/f', { mtime: 1234 });
    await expectStatus(session.mkdir('/f', {}), SftpStatus.FAILURE);
    await closing;
    expect((await session.stat('/f')).mtime).toBe(1234);
    expect(await readAll(session, '/f')).toBe('content');
  });
});

describe('directories another process changes', () => {
  /** A session on a grid of its own over the harness's nodes: the harness is another process. */
  function otherProcess(h: Harness, now: () => number) {
    const grid = new Grid({
      nodes: h.nodes,
      encoding: { k: 3, happy: 4, n: 5 },
      threads: 0,
      directoryCache: { now },
    });
    const session = new FileSystemSession({
      grid,
      heisenfiles: new HeisenfileRegistry(),
      activity: new ActivityRegistry(),
      account: 'alice',
      root: h.root,
      convergenceSecret: new Uint8Array(32),
      spoolDir: h.spoolDir,
      directoryMaxAgeMs: 1000,
    });
    return { grid, session };
  }

  it('a session sees them once its window has passed, and its own changes at once', async () => {
    const h = await make();
    let time = 1_000_000;
    const { grid, session } = otherProcess(h, () => time);
    try {
      await expectStatus(session.stat('/elsewhere'), SftpStatus.NO_SUCH_FILE);
      // The harness's grid is another process to this one.
      await h.put('elsewhere', 'written by another process');
      const mine = await session.open('/mine', WRITE | CREAT, {});
      await mine.write(0, bytes('mine'));
      await mine.close();
      expect((await listDir(session, '/')).map((e) => e.filename).sort()).toEqual(['elsewhere', 'mine']);
      time += 1000;
      expect(await readAll(session, '/elsewhere')).toBe('written by another process');
      await h.grid.deleteChild(h.root, 'elsewhere');
      time += 1000;
      await expectStatus(session.stat('/elsewhere'), SftpStatus.NO_SUCH_FILE);
      await session.end();
    } finally {
      await grid.close();
    }
  });

  it('an EXCL create of a name another process took meanwhile fails at close and overwrites nothing', async () => {
    const h = await make();
    const { grid, session } = otherProcess(h, () => 1_000_000);
    try {
      expect(await listDir(session, '/')).toEqual([]);
      // Within the session's window, so its OPEN does not see this yet: the publish's
      // test-and-set does.
      await h.put('clash', 'theirs');
      const mine = await session.open('/clash', WRITE | CREAT | EXCL, {});
      await mine.write(0, bytes('mine'));
      const failure = await expectStatus(mine.close(), SftpStatus.FAILURE);
      expect(failure.message).toMatch(/created the same name meanwhile/);
      expect(text((await h.content('clash')) ?? new Uint8Array())).toBe('theirs');
      // Nothing written: the CLOSE still says that the create did not happen.
      await h.put('clash2', 'theirs too');
      const unwritten = await session.open('/clash2', WRITE | CREAT | EXCL, {});
      await expectStatus(unwritten.close(), SftpStatus.FAILURE);
      expect(text((await h.content('clash2')) ?? new Uint8Array())).toBe('theirs too');
      await session.end();
    } finally {
      await grid.close();
    }
  });
});
