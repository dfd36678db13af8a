// The encrypted spool of a heisenfile (DESIGN §3): round trips, no plaintext on disk, sparse holes,
// truncation, the overwrite-aware background fill with milestones, errors, and a model test.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EncryptedSpool, SpoolError, type SpoolFile } from '../../src/heisenfile/encrypted-spool.js';
import { ControlledSource, settle, tracked } from './fill-source.js';

const KiB = 1024;
const GiB = 1024 * 1024 * 1024;

let dir = '';
const spools: EncryptedSpool[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grid-spool-'));
});

afterEach(async () => {
  for (const spool of spools.splice(0)) await spool.destroy();
  await rm(dir, { recursive: true, force: true });
});

async function newSpool(
  size?: number,
  openFile?: (path: string) => Promise<SpoolFile>,
  memoryLimit?: number,
  writeBehindAfter?: number,
): Promise<EncryptedSpool> {
  const spool = await EncryptedSpool.create({
    dir,
    ...(size === undefined ? {} : { size }),
    ...(openFile ? { openFile } : {}),
    ...(memoryLimit === undefined ? {} : { memoryLimit }),
    ...(writeBehindAfter === undefined ? {} : { writeBehindAfter }),
  });
  spools.push(spool);
  return spool;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

/** Byte comparison without vitest's element-by-element deep equality (slow on big buffers). */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.length);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.length);
  if (a.equals(b)) return;
  let at = 0;
  while (at < Math.min(a.length, b.length) && a[at] === b[at]) at++;
  expect.fail(`bytes differ: lengths ${a.length} and ${b.length}, first difference at ${at}`);
}

const pattern = (length: number, text = 'GRID-SFTP-PLAINTEXT-MARKER-'): Buffer => Buffer.alloc(length, text);

describe('EncryptedSpool basics', () => {
  it('round-trips unaligned writes, reads, and the stream', async () => {
    const spool = await newSpool();
    const content = randomBytes(300 * KiB + 7);
    // Out of order and unaligned, as pipelined SFTP writes arrive.
    const cuts = [0, 1, 17, 4096, 65535, 65536, 65537, 100_000, 200_001, content.length];
    const writes = [];
    for (let i = cuts.length - 2; i >= 0; i--)
      writes.push(spool.write(cuts[i]!, content.subarray(cuts[i], cuts[i + 1])));
    await Promise.all(writes);
    expect(spool.size).toBe(content.length);
    expect(spool.bytesWritten).toBe(content.length);
    expect(spool.extentCount).toBe(1);
    expectBytes(Buffer.from(await spool.read(0, content.length)), content);
    expectBytes(Buffer.from(await spool.read(65530, 20)), content.subarray(65530, 65550));
    expect((await spool.read(content.length - 3, 100)).length).toBe(3); // short at EOF
    expect((await spool.read(content.length, 100)).length).toBe(0); // empty past it
    expectBytes(await collect(spool.stream(10_000)), content);
    await spool.whenFilled(); // nothing to fill
  });

  it('never puts the plaintext on disk, and an overwrite does not reuse keystream', async () => {
    const spool = await newSpool();
    const first = pattern(200 * KiB);
    await spool.write(0, first);
    const before = await readFile(spool.path);
    expect(before.length).toBe(first.length);
    expect(before.indexOf('PLAINTEXT')).toBe(-1);
    expect(before.equals(first)).toBe(false);

    // Rewrite the same offsets: with offset-only CTR, before XOR after would equal first XOR second.
    const second = pattern(200 * KiB, 'another-recognisable-text/');
    await spool.write(0, second);
    const after = await readFile(spool.path);
    expect(after.indexOf('recognisable')).toBe(-1);
    const xorCipher = Buffer.from(before.map((b, i) => b ^ after[i]!));
    const xorPlain = Buffer.from(first.map((b, i) => b ^ second[i]!));
    let sameBytes = 0;
    for (let i = 0; i < xorCipher.length; i++) if (xorCipher[i] === xorPlain[i]) sameBytes++;
    expect(sameBytes).toBeLessThan(xorCipher.length / 100); // ~1/256 by chance
    expectBytes(Buffer.from(await spool.read(0, second.length)), second);

    // A partial rewrite inside an extent keeps its neighbours readable.
    await spool.write(70_000, Buffer.from('middle'));
    const expected = Buffer.from(second);
    expected.write('middle', 70_000);
    expectBytes(Buffer.from(await spool.read(0, expected.length)), expected);
    expect((await readFile(spool.path)).indexOf('recognisable')).toBe(-1);
  });

  it('keeps holes sparse: a write at 1 GiB leaves a small file, and the gap reads as zeros', async () => {
    const spool = await newSpool();
    await spool.write(0, Buffer.from('head'));
    await spool.write(GiB, pattern(4 * KiB));
    expect(spool.size).toBe(GiB + 4 * KiB);
    const info = await stat(spool.path);
    expect(info.size).toBe(GiB + 4 * KiB);
    expect(info.blocks * 512).toBeLessThan(1024 * KiB);
    expectBytes(
      await spool.read(GiB - 10, 20),
      Buffer.concat([Buffer.alloc(10), pattern(4 * KiB).subarray(0, 10)]),
    );
    expectBytes(await spool.read(512 * 1024 * 1024, 64 * KiB), new Uint8Array(64 * KiB));
    expect(spool.extentCount).toBe(2);
  });

  it('truncate then extend reads zeros, not the old bytes', async () => {
    const spool = await newSpool();
    await spool.write(0, Buffer.alloc(100 * KiB, 0xff));
    await spool.setSize(10 * KiB);
    expect(spool.size).toBe(10 * KiB);
    expect((await stat(spool.path)).size).toBe(10 * KiB);
    await spool.setSize(100 * KiB);
    const back = Buffer.from(await spool.read(0, 100 * KiB));
    expectBytes(back.subarray(0, 10 * KiB), Buffer.alloc(10 * KiB, 0xff));
    expectBytes(back.subarray(10 * KiB), Buffer.alloc(90 * KiB));
    // Writing again where old ciphertext sat must not reuse its keystream, and still reads right.
    await spool.write(50 * KiB, Buffer.from('again'));
    expect(Buffer.from(await spool.read(50 * KiB, 5)).toString()).toBe('again');
  });

  it('orders pipelined operations: a read sees the writes issued before it, not those after', async () => {
    const existing = Buffer.alloc(64 * KiB, 'e');
    const spool = await newSpool(existing.length);
    const source = new ControlledSource();
    const filling = spool.fill(source, existing.length);
    const w1 = spool.write(0, Buffer.from('first'));
    const r1 = tracked(spool.read(0, 10)); // needs bytes 5..10 from the fill: waits
    const w2 = spool.write(0, Buffer.from('SECOND'));
    const r2 = spool.read(0, 10);
    await settle();
    expect(r1.done()).toBe(false);
    source.push(existing);
    source.end();
    await Promise.all([w1, w2, filling]);
    expect(Buffer.from(await r1.promise).toString()).toBe('firsteeeee');
    expect(Buffer.from(await r2).toString()).toBe('SECONDeeee');
  });
});

describe('EncryptedSpool fill', () => {
  it('lets the user’s bytes win over the filled content', async () => {
    const existing = randomBytes(256 * KiB);
    const spool = await newSpool(existing.length);
    const source = new ControlledSource();
    const filling = spool.fill(source, existing.length);
    await spool.write(1000, Buffer.alloc(2000, 'x'));
    await spool.write(70_000, Buffer.alloc(100_000, 'y')); // spans fill chunks and extents
    for (let at = 0; at < existing.length; at += 64 * KiB) source.push(existing.subarray(at, at + 64 * KiB));
    source.end();
    await filling;
    await spool.whenFilled();
    const expected = Buffer.from(existing);
    expected.fill('x', 1000, 3000);
    expected.fill('y', 70_000, 170_000);
    expectBytes(Buffer.from(await spool.read(0, existing.length)), expected);
    expectBytes(await collect(spool.stream()), expected);
    expect(spool.extentCount).toBe(1);
    expect(spool.bytesWritten).toBe(102_000);
  });

  it('answers a read once its bytes are in, before the fill ends', async () => {
    const existing = randomBytes(256 * KiB);
    const spool = await newSpool(existing.length);
    const source = new ControlledSource();
    const filling = tracked(spool.fill(source, existing.length));
    // A waiting read holds back the operations issued after it, so the write goes first.
    await spool.write(200 * KiB, Buffer.from('mine'));
    const late = tracked(spool.read(200 * KiB, 4)); // overwritten: needs no fill at all
    const early = tracked(spool.read(1000, 1000));
    expect(Buffer.from(await late.promise).toString()).toBe('mine');
    await settle();
    expect(early.done()).toBe(false);
    source.push(existing.subarray(0, 64 * KiB));
    expectBytes(Buffer.from(await early.promise), existing.subarray(1000, 2000));
    expect(filling.done()).toBe(false);
    const filled = tracked(spool.whenFilled());
    await settle();
    expect(filled.done()).toBe(false);
    source.push(existing.subarray(64 * KiB));
    source.end();
    await filling.promise;
    await filled.promise;
  });

  it('remembers a failed fill: reads of missing bytes reject, written ones and writes still work', async () => {
    const existing = randomBytes(256 * KiB);
    const spool = await newSpool(existing.length);
    const source = new ControlledSource();
    const filling = spool.fill(source, existing.length);
    await spool.write(200 * KiB, Buffer.from('kept'));
    const waiting = spool.read(100 * KiB, 10);
    source.push(existing.subarray(0, 64 * KiB));
    source.fail(new Error('grid unreachable'));
    await filling; // resolves: the failure is remembered, not thrown
    await expect(waiting).rejects.toThrow('grid unreachable');
    await expect(spool.whenFilled()).rejects.toThrow('grid unreachable');
    expectBytes(Buffer.from(await spool.read(0, 10)), existing.subarray(0, 10));
    expect(Buffer.from(await spool.read(200 * KiB, 4)).toString()).toBe('kept');
    await spool.write(300 * KiB, Buffer.from('more'));
    expect(Buffer.from(await spool.read(300 * KiB, 4)).toString()).toBe('more');
    await expect(collect(spool.stream())).rejects.toThrow('grid unreachable');
  });

  it('fails the fill when the source ends early', async () => {
    const spool = await newSpool(100);
    const source = new ControlledSource();
    source.push(Buffer.alloc(40, 1));
    source.end();
    await spool.fill(source, 100);
    await expect(spool.whenFilled()).rejects.toThrow('ended after 40 of 100 bytes');
    expectBytes(await spool.read(0, 40), new Uint8Array(40).fill(1));
  });

  it('does not extend the file again after a truncation below the fill point', async () => {
    const existing = randomBytes(256 * KiB);
    const spool = await newSpool(existing.length);
    const source = new ControlledSource();
    const filling = spool.fill(source, existing.length);
    source.push(existing.subarray(0, 32 * KiB));
    await settle();
    await spool.setSize(50 * KiB);
    source.push(existing.subarray(32 * KiB, 96 * KiB));
    await filling; // done once [0, 50 KiB) is in: stops the source
    expect(source.stopped).toBe(true);
    expect(spool.size).toBe(50 * KiB);
    expect((await stat(spool.path)).size).toBeLessThanOrEqual(50 * KiB);
    await spool.setSize(100 * KiB);
    const back = Buffer.from(await spool.read(0, 100 * KiB));
    expectBytes(back.subarray(0, 50 * KiB), existing.subarray(0, 50 * KiB));
    expectBytes(back.subarray(50 * KiB), Buffer.alloc(50 * KiB));
  });

  it('stops the fill early when everything left has been overwritten', async () => {
    const spool = await newSpool(100 * KiB);
    const source = new ControlledSource();
    const filling = spool.fill(source, 100 * KiB);
    await spool.write(10 * KiB, Buffer.alloc(90 * KiB, 'z'));
    source.push(Buffer.alloc(10 * KiB, 'a'));
    source.push(Buffer.alloc(10 * KiB, 'b'));
    await filling;
    expect(source.stopped).toBe(true);
    const expected = Buffer.concat([Buffer.alloc(10 * KiB, 'a'), Buffer.alloc(90 * KiB, 'z')]);
    expectBytes(await collect(spool.stream()), expected);
  });

  it('starts filled when there is no existing content, and refuses a second fill', async () => {
    const spool = await newSpool();
    await spool.whenFilled();
    await spool.fill(new ControlledSource(), 0);
    await expect(spool.fill(new ControlledSource(), 0)).rejects.toThrow(SpoolError);
  });
});

describe('EncryptedSpool with a memory limit', () => {
  it('makes no temp file for content within the limit, even after truncations', async () => {
    const spool = await newSpool(undefined, undefined, 64 * KiB);
    await spool.write(0, pattern(10 * KiB));
    await spool.setSize(3 * KiB);
    await spool.write(8 * KiB, pattern(1 * KiB, 'tail'));
    const expected = Buffer.concat([pattern(3 * KiB), Buffer.alloc(5 * KiB), pattern(1 * KiB, 'tail')]);
    expectBytes(await collect(spool.stream()), expected);
    expect(await readdir(dir)).toEqual([]);
    await spool.destroy();
    expect(await readdir(dir)).toEqual([]);
  });

  it('spills to an encrypted temp file past the limit and keeps every byte', async () => {
    const spool = await newSpool(undefined, undefined, 16 * KiB);
    await spool.write(0, pattern(12 * KiB));
    expect(await readdir(dir)).toEqual([]);
    await spool.write(12 * KiB, pattern(20 * KiB, 'second part'));
    expect((await readFile(spool.path)).indexOf('GRID-SFTP-PLAINTEXT')).toBe(-1);
    expectBytes(
      await collect(spool.stream()),
      Buffer.concat([pattern(12 * KiB), pattern(20 * KiB, 'second part')]),
    );
    await spool.destroy();
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps the content in memory when the spill fails, and spills on the next write', async () => {
    let failures = 1;
    const openFile = async (path: string): Promise<SpoolFile> => {
      const handle = await open(path, 'wx+', 0o600);
      return {
        write: async (buffer, offset, length, position) => {
          if (failures-- > 0) throw Object.assign(new Error('ENOSPC: no space'), { code: 'ENOSPC' });
          return handle.write(buffer, offset, length, position);
        },
        read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
        truncate: (length) => handle.truncate(length),
        close: () => handle.close(),
      };
    };
    const spool = await newSpool(undefined, openFile, 8 * KiB);
    await spool.write(0, pattern(6 * KiB));
    await expect(spool.write(6 * KiB, pattern(6 * KiB, 'more'))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readdir(dir)).toEqual([]);
    expectBytes(await spool.read(0, 6 * KiB), pattern(6 * KiB));
    await spool.write(6 * KiB, pattern(6 * KiB, 'more'));
    expectBytes(await collect(spool.stream()), Buffer.concat([pattern(6 * KiB), pattern(6 * KiB, 'more')]));
    await spool.destroy();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('EncryptedSpool errors and destroy', () => {
  /**
   * Wraps the real file: when `full.on`, a write that needs new space (past the file's length at
   * that moment) fails with ENOSPC after landing half, as on a filling disk; in-place writes still
   * work, as on a non-CoW file system. `full.failOnce` fails the next write whatever it is (EIO).
   */
  function diskThatFills(): {
    openFile: (path: string) => Promise<SpoolFile>;
    full: { on: boolean; failOnce: boolean };
  } {
    const full = { on: false, failOnce: false };
    const openFile = async (path: string): Promise<SpoolFile> => {
      const handle = await open(path, 'wx+', 0o600);
      return {
        write: async (buffer, offset, length, position) => {
          const needsSpace = full.on && position + length > (await handle.stat()).size;
          if (needsSpace || full.failOnce) {
            const code = needsSpace ? 'ENOSPC' : 'EIO';
            full.failOnce = false;
            if (length > 1) await handle.write(buffer, offset, length >> 1, position);
            throw Object.assign(new Error(`${code}: write failed`), { code });
          }
          return handle.write(buffer, offset, length, position);
        },
        read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
        truncate: (length) => handle.truncate(length),
        close: () => handle.close(),
      };
    };
    return { openFile, full };
  }

  it('surfaces ENOSPC from write() clearly and keeps the earlier content', async () => {
    const { openFile, full } = diskThatFills();
    const spool = await newSpool(undefined, openFile);
    await spool.write(0, Buffer.alloc(100 * KiB, 'a'));
    full.on = true;
    const fresh = spool.write(100 * KiB, Buffer.alloc(10 * KiB, 'b'));
    await expect(fresh).rejects.toThrow(SpoolError);
    await expect(fresh).rejects.toMatchObject({ code: 'ENOSPC', message: /no space left/ });
    // The re-keying path (an in-place rewrite) failing halfway: the old content stays readable.
    full.failOnce = true;
    const rewrite = spool.write(10 * KiB, Buffer.alloc(10 * KiB, 'c'));
    await expect(rewrite).rejects.toMatchObject({ code: 'EIO' });
    expect(spool.size).toBe(100 * KiB);
    expectBytes(await spool.read(0, 100 * KiB), Buffer.alloc(100 * KiB, 'a'));
    full.on = false;
    await spool.write(100 * KiB, Buffer.alloc(10 * KiB, 'b'));
    await spool.write(10 * KiB, Buffer.alloc(10 * KiB, 'c'));
    const expected = Buffer.alloc(110 * KiB, 'a');
    expected.fill('b', 100 * KiB);
    expected.fill('c', 10 * KiB, 20 * KiB);
    expectBytes(await collect(spool.stream()), expected);
  });

  it('writes behind past the first MiB: write() resolves before the disk has the bytes, later operations see them', async () => {
    const MiB = 1024 * KiB;
    const gate = { open: true, waiting: [] as (() => void)[], writes: 0 };
    const spool = await newSpool(undefined, async (path) => {
      const handle = await open(path, 'wx+', 0o600);
      return {
        write: async (buffer, offset, length, position) => {
          gate.writes++;
          if (!gate.open) await new Promise<void>((resolve) => gate.waiting.push(resolve));
          return handle.write(buffer, offset, length, position);
        },
        read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
        truncate: (length) => handle.truncate(length),
        close: () => handle.close(),
      };
    });
    await spool.write(0, pattern(MiB, 'first'));
    gate.open = false;
    const data = pattern(64 * KiB, 'behind');
    await spool.write(MiB, data); // resolves although the disk write is held at the gate
    expect(gate.writes).toBe(1); // staged in memory: the disk has not even been asked yet
    expect(spool.size).toBe(MiB + 64 * KiB);
    data.fill(0); // the caller may reuse its buffer once write() resolved: ours holds the bytes
    // A rewrite of those positions and a read queue behind the held write.
    const rewrite = tracked(spool.write(MiB + 10, Buffer.from('patched')));
    const read = tracked(spool.read(MiB, 64 * KiB));
    await settle();
    expect(rewrite.done()).toBe(false);
    expect(read.done()).toBe(false);
    gate.open = true;
    for (const release of gate.waiting.splice(0)) release();
    await rewrite.promise;
    const expected = pattern(64 * KiB, 'behind');
    expected.write('patched', 10);
    expectBytes(await read.promise, expected);
    expectBytes(await spool.read(0, MiB), pattern(MiB, 'first'));
  });

  it('hands contiguous writes behind to the disk a MiB at a time', async () => {
    const MiB = 1024 * KiB;
    const sizes: number[] = [];
    const spool = await newSpool(undefined, async (path) => {
      const handle = await open(path, 'wx+', 0o600);
      return {
        write: (buffer, offset, length, position) => {
          sizes.push(length);
          return handle.write(buffer, offset, length, position);
        },
        read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
        truncate: (length) => handle.truncate(length),
        close: () => handle.close(),
      };
    });
    const content = randomBytes(3 * MiB + 5 * KiB);
    const writes: Promise<void>[] = [];
    for (let at = 0; at < content.length; at += 32 * KiB)
      writes.push(spool.write(at, content.subarray(at, at + 32 * KiB)));
    await Promise.all(writes);
    expectBytes(await collect(spool.stream()), content);
    // The first MiB one write at a time, then two full runs and the rest, flushed by the read.
    expect(sizes).toEqual([...Array<number>(32).fill(32 * KiB), MiB, MiB, 5 * KiB]);
  });

  it('a write behind that fails loses the new content clearly: every later operation rejects with the disk error', async () => {
    const { openFile, full } = diskThatFills();
    const spool = await newSpool(undefined, openFile);
    await spool.write(0, Buffer.alloc(1024 * KiB, 'a'));
    full.on = true;
    await spool.write(1024 * KiB, Buffer.alloc(10 * KiB, 'b')); // behind: its failure comes later
    // A read queues behind the pending disk write, so it is the first to see the failure.
    await expect(spool.read(0, 10)).rejects.toMatchObject({ code: 'ENOSPC' });
    const next = spool.write(1034 * KiB, Buffer.alloc(10 * KiB, 'c'));
    await expect(next).rejects.toThrow(SpoolError);
    await expect(next).rejects.toMatchObject({
      code: 'ENOSPC',
      message: /new content is lost.*no space left/,
    });
    await expect(spool.setSize(0)).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(collect(spool.stream())).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('destroy removes the file, is idempotent, rejects waiting reads and later calls', async () => {
    const spool = await newSpool(10);
    const source = new ControlledSource();
    const filling = spool.fill(source, 10);
    const waiting = spool.read(0, 10);
    const queued = spool.write(20, Buffer.from('x')); // queued behind the waiting read
    const destroyed = spool.destroy();
    await expect(waiting).rejects.toThrow(/destroyed/);
    await expect(queued).rejects.toThrow(/destroyed/);
    await destroyed;
    await spool.destroy();
    expect(await readdir(dir)).toEqual([]);
    source.push(Buffer.alloc(10));
    source.end();
    await filling;
    await expect(spool.write(0, Buffer.from('y'))).rejects.toThrow(/destroyed/);
    await expect(spool.read(0, 1)).rejects.toThrow(/destroyed/);
    await expect(spool.setSize(0)).rejects.toThrow(/destroyed/);
    await expect(spool.whenFilled()).rejects.toThrow(/destroyed/);
  });
});

describe('EncryptedSpool withholding bytes held elsewhere', () => {
  it('notes appended bytes without writing them, refuses to touch them, and takes them back on restore', async () => {
    const spool = await newSpool();
    const content = randomBytes(600 * KiB);
    await spool.write(0, content.subarray(0, 100 * KiB));
    await spool.withhold(100 * KiB, 200 * KiB);
    await spool.withhold(300 * KiB, 300 * KiB);
    expect(spool.size).toBe(600 * KiB);
    expect(spool.withholding).toBe(true);
    expect((await stat(spool.path)).size).toBe(100 * KiB);
    // What the spool holds is readable; anything that touches the withheld bytes is refused.
    expectBytes(await spool.read(10, 100 * KiB - 10), content.subarray(10, 100 * KiB));
    await expect(spool.read(100 * KiB - 1, 2)).rejects.toThrow(/held by the streaming upload/);
    await expect(spool.write(599 * KiB, content.subarray(0, 10))).rejects.toThrow(
      /held by the streaming upload/,
    );
    await expect(spool.write(700 * KiB, content.subarray(0, 10))).rejects.toThrow(
      /held by the streaming upload/,
    );
    await expect(spool.setSize(50 * KiB)).rejects.toThrow(/held by the streaming upload/);
    await expect(collect(spool.stream())).rejects.toThrow(/held by the streaming upload/);
    await expect(spool.withhold(10, 10)).rejects.toThrow(/only bytes appended/);
    // A write before the withheld bytes is still the spool's.
    await spool.write(0, content.subarray(0, 10));

    const asked: Array<[number, number]> = [];
    await spool.restore((offset, length) => {
      asked.push([offset, length]);
      return Promise.resolve(content.subarray(offset, offset + length));
    });
    expect(spool.withholding).toBe(false);
    expect(asked).toEqual([[100 * KiB, 500 * KiB]]);
    expectBytes(await collect(spool.stream()), content);
    // Everything works as usual again.
    await spool.setSize(50 * KiB);
    expectBytes(await collect(spool.stream()), content.subarray(0, 50 * KiB));
  });

  it('a restore whose source fails loses the content clearly: every later operation rejects', async () => {
    const spool = await newSpool();
    await spool.write(0, pattern(10 * KiB));
    await spool.withhold(10 * KiB, 3 * 1024 * KiB);
    let calls = 0;
    const failing = spool.restore(() =>
      ++calls === 2
        ? Promise.reject(new Error('two shares left'))
        : Promise.resolve(new Uint8Array(1024 * KiB)),
    );
    await expect(failing).rejects.toThrow(/could not be read back \(too few intact shares/);
    expect(spool.withholding).toBe(false);
    await expect(spool.read(0, 10)).rejects.toThrow(/could not be read back/);
    await expect(spool.write(0, pattern(10))).rejects.toThrow(/could not be read back/);
    await expect(collect(spool.stream())).rejects.toThrow(/could not be read back/);
  });
});

describe('EncryptedSpool against an in-memory model', () => {
  type Op =
    | { kind: 'write'; offset: number; length: number; seed: number }
    | { kind: 'setSize'; size: number }
    | { kind: 'read'; offset: number; length: number };

  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('write' as const),
        offset: fc.nat(200 * KiB),
        length: fc.nat(70 * KiB),
        seed: fc.nat(255),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('setSize' as const), size: fc.nat(250 * KiB) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('read' as const),
        offset: fc.nat(260 * KiB),
        length: fc.nat(80 * KiB),
      }),
    },
  );

  const bytesFor = (length: number, seed: number): Uint8Array => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = (seed + i * 31 + (i >> 8)) & 0xff;
    return out;
  };

  /** A growable byte array: the plain model of the file. */
  class Model {
    bytes = new Uint8Array(0);
    setSize(size: number): void {
      const next = new Uint8Array(size);
      next.set(this.bytes.subarray(0, size));
      this.bytes = next;
    }
    write(offset: number, data: Uint8Array): void {
      // An empty write changes nothing (and Uint8Array.set would throw for an offset past the end).
      if (data.length === 0) return;
      if (offset + data.length > this.bytes.length) this.setSize(offset + data.length);
      this.bytes.set(data, offset);
    }
    read(offset: number, length: number): Uint8Array {
      return this.bytes.slice(
        Math.min(offset, this.bytes.length),
        Math.min(offset + length, this.bytes.length),
      );
    }
  }

  // With a memory limit the same content lives in memory first and spills to the file midway.
  // The third case writes behind from the first byte once the fill is done.
  it.each([
    ['a file from the start', 0, undefined],
    ['memory up to 40 KiB, then a file', 40 * KiB, undefined],
    ['a file, every fresh write behind', 0, 0],
  ])(
    'matches the model for pipelined write/setSize/read with a concurrent fill (%s)',
    async (_l, limit, behind) => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat(150 * KiB),
          fc.array(fc.integer({ min: 1, max: 40 * KiB }), { minLength: 1, maxLength: 20 }),
          fc.array(op, { maxLength: 25 }),
          async (existingSize, chunkSizes, ops) => {
            const existing = bytesFor(existingSize, 7);
            const spool = await newSpool(existingSize, undefined, limit, behind);
            const model = new Model();
            model.write(0, existing);
            // The fill trickles in, yielding to the event loop between chunks.
            const source = async function* (): AsyncGenerator<Uint8Array> {
              for (let at = 0, i = 0; at < existing.length; i++) {
                const size = chunkSizes[i % chunkSizes.length]!;
                await new Promise((resolve) => setImmediate(resolve));
                yield existing.subarray(at, at + size);
                at += size;
              }
            };
            const filling = spool.fill(source(), existingSize);
            const checks: Promise<void>[] = [];
            for (const o of ops) {
              if (o.kind === 'write') {
                const data = bytesFor(o.length, o.seed);
                model.write(o.offset, data);
                checks.push(spool.write(o.offset, data));
              } else if (o.kind === 'setSize') {
                model.setSize(o.size);
                checks.push(spool.setSize(o.size));
              } else {
                const expected = Buffer.from(model.read(o.offset, o.length));
                checks.push(spool.read(o.offset, o.length).then((got) => expectBytes(got, expected)));
              }
            }
            await Promise.all(checks);
            await filling;
            await spool.whenFilled();
            expect(spool.size).toBe(model.bytes.length);
            expectBytes(await collect(spool.stream(50 * KiB)), Buffer.from(model.bytes));
            const onDisk = await readFile(spool.path).catch(() => new Uint8Array(0));
            expect(onDisk.length).toBeLessThanOrEqual(model.bytes.length);
            await spool.destroy();
            expect(await readdir(dir)).toEqual([]);
          },
        ),
        { numRuns: 60 },
      );
    },
  );
});
