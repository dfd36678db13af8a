// Crash safety and concurrency of LocalDirectoryNode, including real child processes that are
// killed mid-write and that race on one folder.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, utimes, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { base32Encode } from '../../src/util/base32.js';
import { useNodeFolder } from '../helpers/node-folder.js';
import { LocalDirectoryNode } from '../../src/storage/index.js';
import type { StorageNode } from '../../src/storage/index.js';
import { MAX_PACKED_SHARE } from '../../src/storage/share-packs.js';

const newSi = (): string => base32Encode(randomBytes(16));
const MiB = 1024 * 1024;
/** Big enough to be written to a temp file of its own (smaller shares go to a pack at commit). */
const FILE_SHARE = MAX_PACKED_SHARE + 1;
const storageModule = fileURLToPath(new URL('../../src/storage/index.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const folder = useNodeFolder('grid-crash-');
const { track } = folder;
let dir: string;
beforeEach(() => {
  dir = folder.dir();
});

/** Files (not folders) under tmp/, which should be none when nothing is being written. */
async function tempFiles(): Promise<string[]> {
  const entries = await readdir(join(dir, 'tmp'), { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

async function shareCount(node: StorageNode): Promise<number> {
  let count = 0;
  for await (const si of node.listStorageIndexes()) count += (await node.listShares(si)).length;
  return count;
}

/** Byte equality without vitest's deep diff, which crawls on MiB-sized arrays. */
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(b);

const counter = (value: number): Uint8Array => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
};
const counterOf = (bytes: Uint8Array): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);

/** Adds one to the counter share with test-and-set, retrying on the current value after a lost race. */
async function increment(node: StorageNode, si: string): Promise<void> {
  let current = await node.readShare(si, 0, 0, 4);
  for (;;) {
    const result = await node.testAndSetShare(
      si,
      0,
      { offset: 0, expected: current },
      counter(counterOf(current) + 1),
    );
    if (result.ok) return;
    if (result.current === null) throw new Error('counter share vanished');
    current = result.current;
  }
}

/** Runs `body` in a child Node process (through tsx) with `LocalDirectoryNode` in scope. */
function child(body: string): {
  done: Promise<number | null>;
  ready: Promise<void>;
  kill: () => void;
  output: () => string;
} {
  const code = `import { LocalDirectoryNode } from ${JSON.stringify(storageModule)};\n${body}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (data: Buffer) => {
      output += data.toString();
      if (output.includes('READY')) resolve();
    });
    proc.on('exit', () => reject(new Error(`child exited before READY: ${output}`)));
  });
  ready.catch(() => undefined); // awaiting it is optional; the exit status tells failures too
  const done = new Promise<number | null>((resolve) => proc.on('exit', (status) => resolve(status)));
  return { done, ready, kill: () => proc.kill('SIGKILL'), output: () => output };
}

describe('LocalDirectoryNode crash safety', () => {
  it('never shows a share whose writer was aborted or never committed', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const si = newSi();
    const aborted = await node.createShare(si, 0);
    await aborted.write(randomBytes(FILE_SHARE));
    await aborted.abort();
    const forgotten = await node.createShare(si, 1);
    await forgotten.write(randomBytes(FILE_SHARE));
    const smallForgotten = await node.createShare(si, 2);
    await smallForgotten.write(randomBytes(1000));

    const other = await track(LocalDirectoryNode.open(dir));
    for (const view of [node, other]) {
      expect(await view.listShares(si)).toEqual([]);
      expect(await shareCount(view)).toBe(0);
    }
    // The forgotten writer's temp file survives the second opener (its owner is alive) and goes at close.
    expect(await tempFiles()).toHaveLength(1);
    await node.close();
    expect(await tempFiles()).toEqual([]);
    expect(await shareCount(other)).toBe(0);
  });

  it('sweeps the temp files of a dead instance on open, but not those of a live one', async () => {
    await (await LocalDirectoryNode.create(dir)).close();
    // A crashed instance: a temp folder whose lock went stale, an orphan stale lock, a stray file.
    await mkdir(join(dir, 'tmp', 'i-dead', 'x'), { recursive: true });
    await writeFile(join(dir, 'tmp', 'i-dead', 'half.tmp'), randomBytes(100));
    await mkdir(join(dir, 'tmp', 'i-dead.lock'));
    await mkdir(join(dir, 'tmp', 'i-orphan.lock'));
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(join(dir, 'tmp', 'i-dead.lock'), longAgo, longAgo);
    await utimes(join(dir, 'tmp', 'i-orphan.lock'), longAgo, longAgo);
    await writeFile(join(dir, 'tmp', 'stray.tmp'), 'x');

    const live = await track(LocalDirectoryNode.open(dir));
    const writer = await live.createShare(newSi(), 0);
    await writer.write(randomBytes(FILE_SHARE));
    const liveEntries = await readdir(join(dir, 'tmp'));
    expect(liveEntries).toHaveLength(2); // i-<live> and i-<live>.lock

    await track(LocalDirectoryNode.open(dir));
    expect(await readdir(join(dir, 'tmp'))).toHaveLength(4); // both live instances, each with its lock
    expect(await tempFiles()).toHaveLength(1);
    await writer.commit(); // the second opener did not break the first one's write
    expect(await tempFiles()).toEqual([]);
  });

  it('recovers from a process killed mid-write: no share, temp swept once its lock is stale', async () => {
    const si = newSi();
    await (await LocalDirectoryNode.create(dir)).close();
    const proc = child(`
      const node = await LocalDirectoryNode.open(${JSON.stringify(dir)});
      const writer = await node.createShare(${JSON.stringify(si)}, 0);
      await writer.write(new Uint8Array(${MiB}).fill(1));
      console.log('READY');
      await new Promise(() => setInterval(() => {}, 1000));
    `);
    await proc.ready;
    proc.kill();
    await proc.done;
    expect(await tempFiles()).toHaveLength(1);

    // Right after the crash the lock is still fresh, so an opener leaves the temp file alone...
    const early = await LocalDirectoryNode.open(dir);
    expect(await early.listShares(si)).toEqual([]);
    await early.close();
    expect(await tempFiles()).toHaveLength(1);
    // ...and once it has gone stale (10 s; simulated by ageing it), the next opener sweeps it.
    const longAgo = new Date(Date.now() - 60_000);
    for (const name of await readdir(join(dir, 'tmp'))) {
      if (name.endsWith('.lock')) await utimes(join(dir, 'tmp', name), longAgo, longAgo);
    }
    const later = await track(LocalDirectoryNode.open(dir));
    expect(await tempFiles()).toEqual([]);
    expect(await later.listShares(si)).toEqual([]);
    expect((await later.space()).usedBytes).toBe(0);
  });

  it('a process killed while packing small shares loses none it committed; others read them meanwhile', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const sis = Array.from({ length: 2000 }, newSi);
    const payload = (i: number): Uint8Array => new Uint8Array(100 + (i % 50)).fill(i % 256);
    const proc = child(`
      const node = await LocalDirectoryNode.open(${JSON.stringify(dir)});
      const sis = ${JSON.stringify(sis)};
      const put = async (i) => {
        const writer = await node.createShare(sis[i], 0);
        await writer.write(new Uint8Array(100 + (i % 50)).fill(i % 256));
        await writer.commit();
        console.log('C ' + i);
      };
      // Eight at a time, so that the appends go in batches, and no end: it is killed mid-append.
      for (let i = 0; i < sis.length; i += 8) {
        await Promise.all(sis.slice(i, i + 8).map((_, j) => put(i + j)));
        if (i === 40) console.log('READY');
      }
      await new Promise(() => setInterval(() => {}, 1000));
    `);
    await proc.ready;
    const committedEarly = [...proc.output().matchAll(/^C (\d+)$/gm)].map((m) => Number(m[1]));
    // This instance opened before the child packed anything; it reads the live pack's records.
    for (const i of committedEarly.slice(0, 20)) {
      expect(same(await node.readShare(sis[i]!, 0, 0, 1000), payload(i))).toBe(true);
    }
    proc.kill();
    await proc.done;
    const committed = [...proc.output().matchAll(/^C (\d+)$/gm)].map((m) => Number(m[1]));
    expect(committed.length).toBeGreaterThan(40);

    const after = await track(LocalDirectoryNode.open(dir));
    for (const i of committed)
      expect(same(await after.readShare(sis[i]!, 0, 0, 1000), payload(i))).toBe(true);
    // Nothing half-written shows: every share listed is whole.
    let listed = 0;
    for await (const si of after.listStorageIndexes()) {
      const index = sis.indexOf(si);
      expect(same(await after.readShare(si, 0, 0, 1000), payload(index))).toBe(true);
      listed++;
    }
    expect(listed).toBeGreaterThanOrEqual(committed.length);
  });

  it('an opener that met a just-crashed instance sweeps its temp files once its lock is stale', async () => {
    await (await LocalDirectoryNode.create(dir)).close();
    await mkdir(join(dir, 'tmp', 'i-crashed'));
    await writeFile(join(dir, 'tmp', 'i-crashed', 'half.tmp'), randomBytes(100));
    await mkdir(join(dir, 'tmp', 'i-crashed.lock')); // fresh: the crash was a moment ago
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const node = await track(LocalDirectoryNode.open(dir));
      expect(await tempFiles()).toEqual(['half.tmp']);
      const longAgo = new Date(Date.now() - 60_000);
      await utimes(join(dir, 'tmp', 'i-crashed.lock'), longAgo, longAgo);
      await vi.advanceTimersByTimeAsync(11_000);
      await vi.waitFor(async () => expect(await tempFiles()).toEqual([]));
      expect((await readdir(join(dir, 'tmp'))).filter((name) => name.startsWith('i-crashed'))).toEqual([]);
      expect(await node.listShares(newSi())).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never shows a replacement half-written: readers see the old share until the commit', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const reader = await track(LocalDirectoryNode.open(dir));
    const si = newSi();
    const old = new Uint8Array(2 * MiB).fill(0xaa);
    const writer = await node.createShare(si, 0);
    await writer.write(old);
    await writer.commit();

    const replacement = await node.createShare(si, 0);
    for (let i = 0; i < 8; i++) {
      await replacement.write(new Uint8Array(MiB / 4).fill(i));
      for (const view of [node, reader]) {
        expect(same(await view.readShare(si, 0, 0, Number.MAX_SAFE_INTEGER), old)).toBe(true);
        expect(await view.listShares(si)).toEqual([{ shnum: 0, size: 2 * MiB }]);
      }
    }
    // Readers racing the commit see one whole version or the other, never a mix.
    const reads = Array.from({ length: 20 }, () => reader.readShare(si, 0, 0, Number.MAX_SAFE_INTEGER));
    await replacement.commit();
    for (const read of await Promise.all(reads)) {
      expect(read.byteLength).toBe(2 * MiB);
      const first = read[0];
      expect(first === 0xaa || first === 0).toBe(true);
      if (first === 0xaa) expect(same(read, old)).toBe(true);
      else expect(read[2 * MiB - 1]).toBe(7);
    }
    expect((await node.readShare(si, 0, 2 * MiB - 1, 1))[0]).toBe(7);
  });
});

describe('LocalDirectoryNode test-and-set across instances', () => {
  it('two instances on one folder lose no update', async () => {
    const a = await track(LocalDirectoryNode.create(dir));
    const b = await track(LocalDirectoryNode.open(dir));
    const si = newSi();
    expect((await a.testAndSetShare(si, 0, 'absent', counter(0))).ok).toBe(true);
    const worker = async (node: StorageNode, times: number): Promise<void> => {
      for (let i = 0; i < times; i++) await increment(node, si);
    };
    await Promise.all([worker(a, 10), worker(a, 10), worker(b, 10), worker(b, 10), worker(b, 10)]);
    expect(counterOf(await a.readShare(si, 0, 0, 4))).toBe(50);
    expect(await tempFiles()).toEqual([]);
  });

  it('two processes on one folder lose no update', async () => {
    const node = await track(LocalDirectoryNode.create(dir));
    const si = newSi();
    expect((await node.testAndSetShare(si, 0, 'absent', counter(0))).ok).toBe(true);
    const body = `
      const node = await LocalDirectoryNode.open(${JSON.stringify(dir)});
      const value = (b) => new DataView(b.buffer, b.byteOffset).getUint32(0);
      const encode = (v) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v); return b; };
      for (let i = 0; i < 25; i++) {
        let current = await node.readShare(${JSON.stringify(si)}, 0, 0, 4);
        for (;;) {
          const result = await node.testAndSetShare(${JSON.stringify(si)}, 0, { offset: 0, expected: current }, encode(value(current) + 1));
          if (result.ok) break;
          current = result.current;
        }
      }
      await node.close();
      console.log('READY');
    `;
    const children = [child(body), child(body)];
    const local = (async () => {
      for (let i = 0; i < 25; i++) await increment(node, si);
    })();
    expect(await Promise.all(children.map((proc) => proc.done))).toEqual([0, 0]);
    await local;
    expect(counterOf(await node.readShare(si, 0, 0, 4))).toBe(75);
  });
});
