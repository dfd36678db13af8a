import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageNodeError } from '@grid-sftp/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEncoding, HomeError, initHome, openHome, UnavailableNode } from '../src/index.js';
import { defaultHomeDir } from '../src/home/paths.js';

describe('defaultHomeDir', () => {
  it('prefers $GRID_SFTP_HOME', () => {
    expect(defaultHomeDir({ GRID_SFTP_HOME: '/srv/grid' }, 'linux', '/home/ann')).toBe('/srv/grid');
  });

  it('follows each platform’s place for app data', () => {
    expect(defaultHomeDir({}, 'linux', '/home/ann')).toBe('/home/ann/.local/share/grid-sftp');
    expect(defaultHomeDir({ XDG_DATA_HOME: '/data' }, 'linux', '/home/ann')).toBe('/data/grid-sftp');
    expect(defaultHomeDir({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/ann')).toBe(
      '/home/ann/.local/share/grid-sftp',
    );
    expect(defaultHomeDir({}, 'darwin', '/Users/ann')).toBe(
      '/Users/ann/Library/Application Support/Grid SFTP',
    );
    expect(defaultHomeDir({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ann')).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Grid SFTP',
    );
  });
});

describe('chooseEncoding', () => {
  it('derives n, k and happy from the node count', () => {
    expect(chooseEncoding(5)).toEqual({ k: 3, happy: 4, n: 5 });
    expect(chooseEncoding(1)).toEqual({ k: 1, happy: 1, n: 1 });
    expect(chooseEncoding(2)).toEqual({ k: 1, happy: 2, n: 2 });
    expect(chooseEncoding(20)).toEqual({ k: 6, happy: 7, n: 10 });
    expect(chooseEncoding(4, { n: 6 })).toEqual({ k: 4, happy: 4, n: 6 });
    expect(() => chooseEncoding(4, { n: 8 })).toThrow(/happy \(5\) cannot exceed/);
  });

  it('refuses what cannot work', () => {
    expect(() => chooseEncoding(5, { k: 4, happy: 3 })).toThrow(HomeError);
    expect(() => chooseEncoding(3, { k: 3, happy: 4, n: 5 })).toThrow(/number of storage nodes/);
    expect(() => chooseEncoding(5, { k: 0 })).toThrow(/k must be/);
  });
});

describe('UnavailableNode', () => {
  it('fails every storage call with a StorageNodeError that says why, and closes quietly', async () => {
    const node = new UnavailableNode('n-x', 'local', '/gone', 'its folder is missing');
    await expect(node.listShares('aaaaaaaaaaaaaaaaaaaaaaaaaa')).rejects.toThrow(StorageNodeError);
    await expect(node.readShare('aaaaaaaaaaaaaaaaaaaaaaaaaa', 0, 0, 1)).rejects.toThrow(
      /unavailable: its folder is missing/,
    );
    await expect(node.createShare('aaaaaaaaaaaaaaaaaaaaaaaaaa', 0)).rejects.toThrow(StorageNodeError);
    await expect(node.space()).rejects.toThrow(StorageNodeError);
    const iterate = async (): Promise<void> => {
      for await (const _ of node.listStorageIndexes()) break;
    };
    await expect(iterate()).rejects.toThrow(StorageNodeError);
    await expect(node.close()).resolves.toBeUndefined();
  });
});

describe('openHome', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'grid-sftp-home-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens every node, standing in for broken ones with a warning each', async () => {
    const home = join(dir, 'h');
    const config = await initHome(home, { nodes: 3 });
    await rm(join(home, 'nodes', 'node-2'), { recursive: true });
    await writeFile(join(home, 'nodes', 'node-3', 'node.json'), 'garbage');
    const warnings: string[] = [];
    const opened = await openHome(home, (message) => warnings.push(message));
    try {
      expect(opened.nodes.map((n) => n.entry.id)).toEqual(config.nodes.map((n) => n.id));
      expect(opened.nodes.map((n) => n.unavailable === undefined)).toEqual([true, false, false]);
      expect(opened.nodes[1]?.node).toBeInstanceOf(UnavailableNode);
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/node-2\) is unavailable: its folder is missing/);
      expect(warnings[1]).toMatch(/node-3\) is unavailable: .*corrupt/);
      expect(await opened.convergenceSecret()).toHaveLength(32);
    } finally {
      await opened.close();
    }
  });

  it('writes grid.json atomically, leaving no temp files', async () => {
    const home = join(dir, 'atomic');
    await initHome(home, { nodes: 1 });
    const text = await readFile(join(home, 'grid.json'), 'utf8');
    expect(JSON.parse(text)).toMatchObject({ format: 'grid-sftp-home', version: 1 });
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(home)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect((await stat(join(home, 'grid.json'))).isFile()).toBe(true);
  });
});
