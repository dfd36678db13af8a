import { afterEach, describe, expect, it } from 'vitest';
import { mutableReadCap } from '../../src/caps/derive.js';
import { formatCap, parseCap } from '../../src/caps/text.js';
import { DirectoryError } from '../../src/dirnode/entries.js';
import { makeGrid, patternBytes, type TestGrid } from './make-grid.js';

let current: TestGrid | undefined;
afterEach(async () => {
  await current?.grid.close();
  current = undefined;
});

async function setup() {
  current = makeGrid();
  const { grid } = current;
  const root = await grid.createDirectory();
  const file = (await grid.uploadBytes(patternBytes(5000), { key: 'random' })).cap;
  const small = (await grid.uploadBytes(patternBytes(10), { key: 'random' })).cap;
  return { grid, root, file, small };
}

describe('directories', () => {
  it('lists entries sorted by NFC name with metadata, and seals write caps from read-cap holders', async () => {
    const { grid, root, file } = await setup();
    const sub = await grid.createDirectory();
    await grid.addChild(root, 'zeta', file, { metadata: { mtime: 1000, ext_color: 'blue' } });
    await grid.addChild(root, 'cafe\u0301', file);
    await grid.addChild(root, 'sub', sub);
    const entries = await grid.listDirectory(root);
    expect(entries.map((e) => e.name)).toEqual(['caf\u00e9', 'sub', 'zeta']);
    const zeta = entries.find((e) => e.name === 'zeta')!;
    expect(zeta.metadata.mtime).toBe(1000);
    expect(zeta.metadata.ext_color).toBe('blue');
    expect(typeof zeta.metadata.linkcrtime).toBe('number');
    expect(entries.find((e) => e.name === 'sub')).toMatchObject({
      isDirectory: true,
      writeCap: formatCap(sub),
    });

    const readOnly = await grid.listDirectory(mutableReadCap(root));
    const subSeen = readOnly.find((e) => e.name === 'sub')!;
    expect(subSeen.writeCap).toBeUndefined();
    expect(subSeen.readCap).toBe(formatCap(mutableReadCap(sub)));
    await expect(grid.addChild(mutableReadCap(root), 'x', file)).rejects.toMatchObject({
      code: 'not-writeable',
    });
  });

  it('adds with overwrite, no-overwrite and only-files, keeping linkcrtime across overwrites', async () => {
    const { grid, root, file, small } = await setup();
    const first = await grid.addChild(root, 'f', file);
    await new Promise((r) => setTimeout(r, 5));
    const second = await grid.addChild(root, 'f', small, { mode: 'overwrite' });
    expect(second.metadata.linkcrtime).toBe(first.metadata.linkcrtime);
    expect(second.metadata.linkmotime).toBeGreaterThan(first.metadata.linkmotime!);
    await expect(grid.addChild(root, 'f', file, { mode: 'no-overwrite' })).rejects.toMatchObject({
      code: 'exists',
    });
    await grid.addChild(root, 'd', await grid.createDirectory());
    await expect(grid.addChild(root, 'd', file, { mode: 'only-files' })).rejects.toMatchObject({
      code: 'is-a-directory',
    });
    await grid.addChild(root, 'f', file, { mode: 'only-files' });
  });

  it('deletes with must-exist, must-be-directory and must-be-file', async () => {
    const { grid, root, file } = await setup();
    await grid.addChild(root, 'f', file);
    await grid.addChild(root, 'd', await grid.createDirectory());
    expect(await grid.deleteChild(root, 'nope')).toBeUndefined();
    await expect(grid.deleteChild(root, 'nope', { mustExist: true })).rejects.toMatchObject({
      code: 'no-such-child',
    });
    await expect(grid.deleteChild(root, 'f', { mustBe: 'directory' })).rejects.toMatchObject({
      code: 'not-a-directory',
    });
    await expect(grid.deleteChild(root, 'd', { mustBe: 'file' })).rejects.toMatchObject({
      code: 'is-a-directory',
    });
    expect((await grid.deleteChild(root, 'f', { mustBe: 'file' }))?.name).toBe('f');
    expect((await grid.listDirectory(root)).map((e) => e.name)).toEqual(['d']);
  });

  it('sets metadata and moves within and between directories', async () => {
    const { grid, root, file } = await setup();
    const other = await grid.createDirectory();
    await grid.addChild(root, 'a', file);
    await grid.setChildMetadata(root, 'a', { 'no-write': true, mtime: 42 });
    await grid.moveChild(root, 'a', root, 'b');
    expect(
      (await grid.listDirectory(root)).map((e) => [e.name, e.metadata.mtime, e.metadata['no-write']]),
    ).toEqual([['b', 42, true]]);
    await grid.addChild(other, 'taken', file);
    await expect(grid.moveChild(root, 'b', other, 'taken', { mode: 'no-overwrite' })).rejects.toMatchObject({
      code: 'exists',
    });
    await grid.moveChild(root, 'b', other, 'c');
    expect(await grid.listDirectory(root)).toEqual([]);
    expect((await grid.listDirectory(other)).map((e) => e.name)).toEqual(['c', 'taken']);
    await expect(grid.moveChild(root, 'gone', other, 'x')).rejects.toBeInstanceOf(DirectoryError);
  });

  it('resolves paths, refuses bad names and passes unknown caps through untouched', async () => {
    const { grid, root, file } = await setup();
    const sub = await grid.createDirectory();
    await grid.addChild(root, 'sub', sub);
    await grid.addChild(sub, 'f', file);
    const found = await grid.resolvePath(root, ['sub', 'f']);
    expect(formatCap(found.cap)).toBe(formatCap(file));
    await expect(grid.resolvePath(root, ['sub', 'missing'])).rejects.toMatchObject({ code: 'no-such-child' });
    for (const bad of ['', '.', '..', 'a/b', 'nul\0']) {
      await expect(grid.addChild(root, bad, file)).rejects.toMatchObject({ code: 'bad-name' });
    }
    const future = parseCap('gs9-hologram-abcdef');
    expect(future.kind).toBe('unknown');
    await grid.addChild(root, 'future', future);
    const entry = (await grid.listDirectory(root)).find((e) => e.name === 'future')!;
    expect(entry.readCap).toBe('gs9-hologram-abcdef');
  });
});
