import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShareReadHandles } from '../../src/storage/share-read-handles.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grid-read-handles-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(
  handles: ShareReadHandles,
  path: string,
): Promise<{ text: string; fd: number } | undefined> {
  return handles.with(path, async (handle) => {
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buffer, 0, 64, 0);
    return { text: buffer.subarray(0, bytesRead).toString(), fd: handle.fd };
  });
}

describe('ShareReadHandles', () => {
  it('reuses one open file for reads that follow each other', async () => {
    const path = join(dir, 'a');
    await writeFile(path, 'first');
    const handles = new ShareReadHandles();
    const one = await readAll(handles, path);
    const two = await readAll(handles, path);
    expect(one?.text).toBe('first');
    expect(two?.fd).toBe(one?.fd);
    await handles.closeAll();
  });

  it('opens afresh after forget (the node replaced the file)', async () => {
    const path = join(dir, 'b');
    await writeFile(path, 'old');
    const handles = new ShareReadHandles();
    expect((await readAll(handles, path))?.text).toBe('old');
    handles.forget(path);
    await writeFile(join(dir, 'b.new'), 'new');
    await rm(path);
    await writeFile(path, 'new');
    expect((await readAll(handles, path))?.text).toBe('new');
    await handles.closeAll();
  });

  it('says undefined for a missing file, and does not remember that', async () => {
    const path = join(dir, 'c');
    const handles = new ShareReadHandles();
    expect(await readAll(handles, path)).toBeUndefined();
    await writeFile(path, 'now here');
    expect((await readAll(handles, path))?.text).toBe('now here');
    await handles.closeAll();
  });

  it('does not keep a failed open: the next read tries again', async () => {
    const handles = new ShareReadHandles();
    // A folder cannot be read as a file: reading fails with EISDIR.
    await expect(readAll(handles, dir)).rejects.toThrow(/EISDIR/);
    await expect(readAll(handles, dir)).rejects.toThrow(/EISDIR/);
    await handles.closeAll();
  });

  it('closes idle files after a while and keeps at most `limit` idle ones', async () => {
    const handles = new ShareReadHandles(2, 20);
    const paths = ['d1', 'd2', 'd3'].map((name) => join(dir, name));
    for (const path of paths) await writeFile(path, path);
    for (const path of paths) expect((await readAll(handles, path))?.text).toBe(path);
    expect(handles.size).toBe(2);
    await expect.poll(() => handles.size).toBe(0);
    // Closed by idleness, a file is simply opened again.
    expect((await readAll(handles, paths[0] as string))?.text).toBe(paths[0]);
    await handles.closeAll();
    expect(handles.size).toBe(0);
  });
});
