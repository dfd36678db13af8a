// A file written from start to end is streamed into the grid while it is written (DESIGN §3,
// SequentialUploadFeed): its CLOSE finishes that upload instead of uploading the spool. Any other
// way of changing the file falls back to the spool, and a stream that is given up leaves no share.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SftpStatus } from '../../src/vfs/sftp-status.js';
import type { Grid } from '../../src/grid/grid.js';
import {
  CREAT,
  READ,
  TRUNC,
  WRITE,
  expectSameBytes,
  expectStatus,
  pattern,
  readFile,
  useSessionHarness,
  type Harness,
} from './session-harness.js';
import type { SessionFileHandle } from '../../src/heisenfile/session-api.js';

const make = useSessionHarness();
const MiB = 1024 * 1024;

/** Counts, from now on, uploads of whole spools and streams started and finished. */
function watchUploads(grid: Grid): { spooled: number; streamed: number; finished: number } {
  const seen = { spooled: 0, streamed: 0, finished: 0 };
  const upload = grid.upload.bind(grid);
  grid.upload = (source, options) => {
    if (source.size > 55) seen.spooled++;
    return upload(source, options);
  };
  const start = grid.startStreamingUpload.bind(grid);
  grid.startStreamingUpload = async () => {
    const stream = await start();
    if (stream !== undefined) {
      seen.streamed++;
      const finish = stream.finish.bind(stream);
      stream.finish = async () => {
        const report = await finish();
        seen.finished++;
        return report;
      };
    }
    return stream;
  };
  return seen;
}

async function storageIndexes(h: Harness): Promise<Set<string>> {
  const found = new Set<string>();
  for (const node of h.nodes) for await (const si of node.listStorageIndexes()) found.add(si);
  return found;
}

/** Bytes the spool files hold on disk now (allocated blocks: the streamed bytes leave holes). */
async function spoolBytesOnDisk(h: Harness): Promise<number> {
  let total = 0;
  for (const name of await readdir(h.spoolDir)) total += (await stat(join(h.spoolDir, name))).blocks * 512;
  return total;
}

/** The failed commit of `file` is kept for a retry, and the retry commits it. */
async function expectRetryCommits(h: Harness, file: SessionFileHandle): Promise<void> {
  expect(h.activity.snapshot().find((s) => s.id === file.id)?.retryable).toBe(true);
  await h.activity.retry(file.id);
  expect(h.activity.snapshot().find((s) => s.id === file.id)?.state).toBe('committed');
}

async function writeInPieces(file: SessionFileHandle, content: Uint8Array, from = 0, piece = 255 * 1024) {
  for (let at = from; at < content.length; at += piece)
    await file.write(at, content.subarray(at, Math.min(content.length, at + piece)));
}

describe('streaming a file into the grid while it is written', () => {
  it('commits a file written in order from the stream, not from the spool', async () => {
    const h = await make();
    const seen = watchUploads(h.grid);
    const content = pattern(2 * MiB + 4321, 3);
    const session = h.session();
    const file = await session.open('/big', WRITE | READ | CREAT | TRUNC, {});
    await writeInPieces(file, content);
    expect(seen.streamed).toBe(1);
    // The open file still reads back from its spool.
    expectSameBytes(await file.read(MiB - 10, 20), content.subarray(MiB - 10, MiB + 10));
    await file.close();
    expect(seen).toEqual({ spooled: 0, streamed: 1, finished: 1 });
    expectSameBytes((await h.content('big')) ?? new Uint8Array(), content);
    const cap = await h.capAt('big');
    if (cap?.kind !== 'chk-read') throw new Error('expected a CHK file');
    expect((await h.grid.verify(cap)).intact).toBe(true);
  });

  it('leaves the streamed bytes out of the spool file, and reads them back from the stream', async () => {
    const h = await make();
    const seen = watchUploads(h.grid);
    const content = pattern(4 * MiB + 99, 11);
    const file = await h.session().open('/lean', WRITE | READ | CREAT | TRUNC, {});
    await writeInPieces(file, content);
    // The spool wrote what came before the stream started (a segment and one WRITE) and nothing since.
    expect(await spoolBytesOnDisk(h)).toBeLessThanOrEqual(h.grid.fullSegmentSize + 255 * 1024 + 4096);
    // Reads of every part: the first segment, later ones, across boundaries, the unsent tail.
    for (const [at, length] of [
      [0, 100],
      [MiB - 3, 7],
      [2 * MiB + 12_345, 300_000],
      [4 * MiB - 10, 200],
      [0, 4 * MiB + 99],
    ] as const)
      expectSameBytes(
        await file.read(at, length),
        content.subarray(at, Math.min(content.length, at + length)),
      );
    await file.close();
    expect(seen).toEqual({ spooled: 0, streamed: 1, finished: 1 });
    expectSameBytes((await h.content('lean')) ?? new Uint8Array(), content);
  });

  it('still streams to nodes that cannot read back, with every byte in the spool as well', async () => {
    const h = await make();
    const seen = watchUploads(h.grid);
    h.nodes[2]!.writeOnly = true;
    const content = pattern(3 * MiB + 5, 16);
    const file = await h.session().open('/copied', WRITE | READ | CREAT | TRUNC, {});
    await writeInPieces(file, content);
    // Well past what came before the stream (the last MiBs written behind may still be on their way).
    expect(await spoolBytesOnDisk(h)).toBeGreaterThanOrEqual(2 * MiB);
    expectSameBytes(await file.read(2 * MiB, 100), content.subarray(2 * MiB, 2 * MiB + 100));
    await file.close();
    expect(seen).toEqual({ spooled: 0, streamed: 1, finished: 1 });
    expectSameBytes((await h.content('copied')) ?? new Uint8Array(), content);
  });

  it('makes a reader of the just-closed file wait for the commit, since its spool lacks the streamed bytes', async () => {
    const h = await make();
    const session = h.session();
    const content = pattern(3 * MiB + 7, 14);
    const file = await session.open('/fresh', WRITE | CREAT | TRUNC, {});
    await writeInPieces(file, content);
    // Slow nodes keep the commit running while the reader arrives (sshfs reads back at once).
    for (const node of h.nodes) node.delayMs = 5;
    const closing = file.close();
    const [, read] = await Promise.all([closing, readFile(h.session(), '/fresh')]);
    expectSameBytes(read, content);
  });

  it('brings the streamed bytes back when the stream cannot finish: the failed commit is kept and its retry succeeds', async () => {
    const h = await make();
    const seen = watchUploads(h.grid);
    const content = pattern(2 * MiB + 1, 12);
    const file = await h.session().open('/retried', WRITE | CREAT | TRUNC, {});
    await writeInPieces(file, content);
    // Two nodes fail now: the stream's finish falls below `happy`, and so does the spool's upload.
    for (const node of h.nodes.slice(0, 2)) node.throwOnWrite = true;
    await expectStatus(file.close(), SftpStatus.FAILURE);
    expect(seen.finished).toBe(0);
    expect(h.nodes.map((node) => node.openWriters)).toEqual([0, 0, 0, 0, 0]);
    for (const node of h.nodes) node.throwOnWrite = false;
    await expectRetryCommits(h, file);
    expectSameBytes((await h.content('retried')) ?? new Uint8Array(), content);
  });

  it('links the finished stream again when the retry of a commit whose link failed runs', async () => {
    const h = await make();
    const seen = watchUploads(h.grid);
    const content = pattern(2 * MiB + 3, 17);
    const file = await h.session().open('/relinked', WRITE | CREAT | TRUNC, {});
    await writeInPieces(file, content);
    const addChild = h.grid.addChild.bind(h.grid);
    h.grid.addChild = () => Promise.reject(new Error('directory unreachable (simulated)'));
    await expectStatus(file.close(), SftpStatus.FAILURE);
    expect(seen).toEqual({ spooled: 0, streamed: 1, finished: 1 });
    h.grid.addChild = addChild;
    await expectRetryCommits(h, file);
    // The retry linked what the stream stored: nothing was uploaded a second time.
    expect(seen).toEqual({ spooled: 0, streamed: 1, finished: 1 });
    expectSameBytes((await h.content('relinked')) ?? new Uint8Array(), content);
  });

  it('keeps answering reads and writes of a streaming file removed by another session, until its close', async () => {
    const h = await make();
    const before = await storageIndexes(h);
    const content = pattern(3 * MiB, 18);
    const file = await h.session().open('/removed', WRITE | READ | CREAT | TRUNC, {});
    await writeInPieces(file, content.subarray(0, 2 * MiB));
    await h.session().remove('/removed');
    expectSameBytes(await file.read(MiB, 1000), content.subarray(MiB, MiB + 1000));
    await writeInPieces(file, content, 2 * MiB);
    await file.write(10, content.subarray(10, 20)); // not an append: the spool takes the bytes back
    expectSameBytes(await file.read(0, 3 * MiB), content);
    await file.close();
    expect(await h.capAt('removed')).toBeUndefined();
    expect(await storageIndexes(h)).toEqual(before);
    expect(h.nodes.map((node) => node.openWriters)).toEqual([0, 0, 0, 0, 0]);
  });

  it('reads the streamed bytes back past a node that returns garbage, and fails a read clearly when it cannot', async () => {
    const h = await make();
    const content = pattern(3 * MiB + 11, 19);
    const file = await h.session().open('/noisy', WRITE | READ | CREAT | TRUNC, {});
    await writeInPieces(file, content);
    h.nodes[1]!.garbage = true;
    expectSameBytes(await file.read(0, content.length), content);
    // Three nodes that cannot be read: that read fails clearly, and the file goes on.
    for (const node of h.nodes.slice(2)) node.throwOnRead = true;
    const error = await expectStatus(file.read(0, 10), SftpStatus.FAILURE);
    expect(error.message).toMatch(/already in the grid and could not be read back/);
    for (const node of h.nodes) node.throwOnRead = false;
    await file.fsync(); // brings every streamed byte back into the spool, and commits from it
    h.nodes[1]!.garbage = false;
    await file.close();
    expectSameBytes((await h.content('noisy')) ?? new Uint8Array(), content);
  });

  it('fails the file clearly when the stream loses more shares than it can rebuild from', async () => {
    const h = await make();
    const before = await storageIndexes(h);
    const content = pattern(3 * MiB, 13);
    const file = await h.session().open('/lost', WRITE | CREAT | TRUNC, {});
    await writeInPieces(file, content.subarray(0, 1536 * 1024));
    // Three of five nodes fail at once: two shares are left of each segment, and k is 3.
    for (const node of h.nodes.slice(0, 3)) node.throwOnWrite = true;
    const error = await expectStatus(writeInPieces(file, content, 1536 * 1024), SftpStatus.FAILURE);
    expect(error.message).toMatch(/already streamed to the grid could not be read back/);
    for (const node of h.nodes) node.throwOnWrite = false;
    await expectStatus(file.close(), SftpStatus.FAILURE);
    expect(await h.capAt('lost')).toBeUndefined();
    expect(await storageIndexes(h)).toEqual(before);
    expect(h.nodes.map((node) => node.openWriters)).toEqual([0, 0, 0, 0, 0]);
  });

  it('does not stream a file smaller than one segment', async () => {
    const h = await make();
    const seen = watchUploads(h.grid);
    const content = pattern(MiB - 100, 4);
    const file = await h.session().open('/small', WRITE | CREAT | TRUNC, {});
    await writeInPieces(file, content);
    await file.close();
    expect(seen).toEqual({ spooled: 1, streamed: 0, finished: 0 });
    expectSameBytes((await h.content('small')) ?? new Uint8Array(), content);
  });

  it.each([
    ['a write out of order', 'rewrite'],
    ['a truncation', 'truncate'],
    ['an fsync', 'fsync'],
  ] as const)('falls back to the spool after %s, and leaves no streamed share', async (_, change) => {
    const h = await make();
    const seen = watchUploads(h.grid);
    const before = await storageIndexes(h);
    const content = pattern(3 * MiB, 5);
    const file = await h.session().open('/changed', WRITE | CREAT | TRUNC, {});
    await writeInPieces(file, content.subarray(0, 2 * MiB));
    expect(seen.streamed).toBe(1);
    let expected = content;
    if (change === 'rewrite') {
      await writeInPieces(file, content, 2 * MiB);
      const patch = pattern(1000, 6);
      await file.write(100, patch);
      expected = content.slice();
      expected.set(patch, 100);
    } else if (change === 'truncate') {
      await file.fsetstat({ size: MiB + 7 });
      expected = content.subarray(0, MiB + 7);
    } else {
      await file.fsync();
      await writeInPieces(file, content, 2 * MiB);
    }
    await file.close();
    expect(seen.finished).toBe(0);
    expectSameBytes((await h.content('changed')) ?? new Uint8Array(), expected);
    // Only the committed file's storage index (and the fsync's version, when there was one) is new.
    const added = [...(await storageIndexes(h))].filter((si) => !before.has(si));
    expect(added).toHaveLength(change === 'fsync' ? 2 : 1);
    expect(h.nodes.map((node) => node.openWriters)).toEqual([0, 0, 0, 0, 0]);
  });

  it('drops the stream of a file removed while it is written', async () => {
    const h = await make();
    const seen = watchUploads(h.grid);
    const before = await storageIndexes(h);
    const session = h.session();
    const file = await session.open('/gone', WRITE | CREAT | TRUNC, {});
    await writeInPieces(file, pattern(2 * MiB, 7));
    expect(seen.streamed).toBe(1);
    await session.remove('/gone');
    await file.close();
    expect(await storageIndexes(h)).toEqual(before);
    expect(h.nodes.map((node) => node.openWriters)).toEqual([0, 0, 0, 0, 0]);
    expect(seen.finished).toBe(0);
  });

  it('falls back to the spool when a node fails the stream, and reports what is wrong when that fails too', async () => {
    const h = await make();
    const seen = watchUploads(h.grid);
    const content = pattern(2 * MiB + 1, 8);
    const file = await h.session().open('/unlucky', WRITE | CREAT | TRUNC, {});
    await writeInPieces(file, content.subarray(0, 1536 * 1024));
    for (const node of h.nodes.slice(0, 2)) node.throwOnWrite = true;
    // The client's WRITEs still succeed: the bytes are in the spool.
    await writeInPieces(file, content, 1536 * 1024);
    await expectStatus(file.close(), SftpStatus.FAILURE);
    expect(seen.finished).toBe(0);
    expect(seen.spooled).toBe(1);
    expect(await h.capAt('unlucky')).toBeUndefined();
    expect(h.nodes.map((node) => node.openWriters)).toEqual([0, 0, 0, 0, 0]);
    for (const node of h.nodes) node.throwOnWrite = false;
  });
});
