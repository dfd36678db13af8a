/**
 * The harness of the file-system session tests (issue 3): an in-process grid of five in-memory
 * nodes (wrapped for fault injection), an account root directory, the shared registries, a spool
 * folder, and sessions for one or more accounts. `useSessionHarness()` registers an afterEach that
 * checks no heisenfile is left registered, ends every session, closes the grid and removes the
 * spool folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { ActivityRegistry } from '../../src/activity/index.js';
import type { Cap, MutableWriteCap } from '../../src/caps/cap.js';
import { DirectoryError } from '../../src/dirnode/entries.js';
import { Grid } from '../../src/grid/grid.js';
import { HeisenfileRegistry } from '../../src/heisenfile/registry.js';
import { FileSystemSession } from '../../src/heisenfile/session.js';
import {
  OpenFlags,
  type DirectoryListingEntry,
  type FileSystemSessionApi,
  type SessionFileHandle,
} from '../../src/heisenfile/session-api.js';
import { MemoryNode } from '../../src/storage/memory-node.js';
import { SftpError, SftpStatus, type SftpStatusCode } from '../../src/vfs/sftp-status.js';
import { FaultyNode } from '../helpers/faulty-node.js';

export { OpenFlags };

export const { READ, WRITE, APPEND, CREAT, TRUNC, EXCL } = OpenFlags;

/** Capacity of each in-memory node, so that statvfs has finite numbers to report. */
export const NODE_CAPACITY = 1024 * 1024 * 1024;

export interface SessionOptions {
  /** Account name; the default account is 'alice'. */
  readonly account?: string;
  /** The account's root cap; the harness root by default. */
  readonly root?: Cap;
}

export interface Harness {
  readonly grid: Grid;
  readonly nodes: readonly FaultyNode[];
  readonly heisenfiles: HeisenfileRegistry;
  readonly activity: ActivityRegistry;
  /** The default account's root directory (write cap). */
  readonly root: MutableWriteCap;
  readonly spoolDir: string;
  /** A new session (one connection) of an account. */
  session(options?: SessionOptions): FileSystemSessionApi;
  /** Stores a file straight into the grid (no session) at a path below `root`. */
  put(path: string, content: Uint8Array | string, root?: Cap): Promise<Cap>;
  /** Makes a directory straight in the grid at a path below `root`. */
  mkdirDirect(path: string, root?: Cap): Promise<MutableWriteCap>;
  /** The committed content at a path as the grid has it, or undefined when there is no such entry. */
  content(path: string, root?: Cap): Promise<Uint8Array | undefined>;
  /** The names the grid lists in a directory. */
  names(path?: string, root?: Cap): Promise<string[]>;
  /** The cap the grid has at a path (undefined when missing). */
  capAt(path: string, root?: Cap): Promise<Cap | undefined>;
  /** Every storage node goes off line (or comes back). */
  setOffline(offline: boolean): void;
  /** Checks that nothing is left registered, ends the sessions, closes the grid, removes the spools. */
  dispose(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function text(data: Uint8Array): string {
  return decoder.decode(data);
}

/** Deterministic non-repeating content (bigger than 55 bytes makes a CHK file, not a LIT one). */
export function pattern(length: number, seed = 7): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function splitPath(path: string): string[] {
  return path.split('/').filter((name) => name !== '' && name !== '.');
}

function isNoSuchChild(error: unknown): boolean {
  return error instanceof DirectoryError && error.code === 'no-such-child';
}

/** `maxSegmentSize`: small segments make files stream into the grid after a few bytes. */
export async function makeHarness(options: { maxSegmentSize?: number } = {}): Promise<Harness> {
  const nodes = Array.from(
    { length: 5 },
    (_, i) => new FaultyNode(new MemoryNode({ id: `node-${i}`, capacityBytes: NODE_CAPACITY })),
  );
  const grid = new Grid({
    nodes,
    encoding: { k: 3, happy: 4, n: 5 },
    threads: 0,
    ...(options.maxSegmentSize === undefined ? {} : { maxSegmentSize: options.maxSegmentSize }),
  });
  const heisenfiles = new HeisenfileRegistry();
  const activity = new ActivityRegistry();
  const spoolDir = await mkdtemp(join(tmpdir(), 'grid-session-test-'));
  const root = await grid.createDirectory();
  const secrets = new Map<string, Uint8Array>();
  const sessions: FileSystemSessionApi[] = [];
  let disposed = false;

  async function parentOf(path: string, base: Cap): Promise<{ parent: Cap; name: string }> {
    const names = splitPath(path);
    const name = names.pop();
    if (name === undefined) throw new Error(`no name in path ${JSON.stringify(path)}`);
    const { cap } = await grid.resolvePath(base, names);
    return { parent: cap, name };
  }

  const harness: Harness = {
    grid,
    nodes,
    heisenfiles,
    activity,
    root,
    spoolDir,

    session(options = {}) {
      const account = options.account ?? 'alice';
      let convergenceSecret = secrets.get(account);
      if (convergenceSecret === undefined) {
        convergenceSecret = new Uint8Array(randomBytes(32));
        secrets.set(account, convergenceSecret);
      }
      const session = new FileSystemSession({
        grid,
        heisenfiles,
        activity,
        account,
        root: options.root ?? root,
        convergenceSecret,
        spoolDir,
      });
      sessions.push(session);
      return session;
    },

    async put(path, content, base = root) {
      const data = typeof content === 'string' ? bytes(content) : content;
      const { parent, name } = await parentOf(path, base);
      const { cap } = await grid.uploadBytes(data, { key: 'random' });
      await grid.addChild(parent, name, cap, { mode: 'overwrite' });
      return cap;
    },

    async mkdirDirect(path, base = root) {
      const { parent, name } = await parentOf(path, base);
      const cap = await grid.createDirectory();
      await grid.addChild(parent, name, cap, { mode: 'no-overwrite' });
      return cap;
    },

    async capAt(path, base = root) {
      try {
        return (await grid.resolvePath(base, splitPath(path))).cap;
      } catch (error) {
        if (isNoSuchChild(error)) return undefined;
        throw error;
      }
    },

    async content(path, base = root) {
      const cap = await harness.capAt(path, base);
      return cap === undefined ? undefined : grid.readAll(cap);
    },

    async names(path = '', base = root) {
      const { cap } = await grid.resolvePath(base, splitPath(path));
      return (await grid.listDirectory(cap)).map((entry) => entry.name);
    },

    setOffline(offline) {
      for (const node of nodes) node.offline = offline;
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      harness.setOffline(false);
      try {
        expect(heisenfiles.size, 'after every test, no handle is left registered').toBe(0);
      } finally {
        for (const session of sessions) await session.end().catch(() => undefined);
        // A failed commit keeps its spool for a retry until discarded: discard it, as a user would.
        for (const handle of activity.snapshot()) if (handle.state === 'failed') activity.discard(handle.id);
        await grid.close();
        await rm(spoolDir, { recursive: true, force: true });
      }
    },
  };
  return harness;
}

/** Registers the afterEach cleanup; call `make()` in each test for a fresh harness. */
export function useSessionHarness(): () => Promise<Harness> {
  const live: Harness[] = [];
  afterEach(async () => {
    const all = live.splice(0);
    const failures: unknown[] = [];
    for (const harness of all) {
      try {
        await harness.dispose();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures[0] instanceof Error) throw failures[0];
    if (failures.length > 0) throw new Error(String(failures[0]));
  });
  return async () => {
    const harness = await makeHarness();
    live.push(harness);
    return harness;
  };
}

const STATUS_NAMES = new Map<number, string>(Object.entries(SftpStatus).map(([name, code]) => [code, name]));

export function statusName(code: number): string {
  return STATUS_NAMES.get(code) ?? `status ${code}`;
}

/** Awaits `promise` and checks that it rejects with an SftpError of `status`; returns the error. */
export async function expectStatus(promise: Promise<unknown>, status: SftpStatusCode): Promise<SftpError> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    if (!(error instanceof SftpError)) {
      throw new Error(`expected SftpError(${statusName(status)}), got ${String(error)}`, { cause: error });
    }
    expect(statusName(error.status), error.message).toBe(statusName(status));
    return error;
  }
  throw new Error(`expected SftpError(${statusName(status)}), but it succeeded with ${show(value)}`);
}

function show(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Reads a handle from `offset` to its end (until EOF). */
export async function readToEnd(handle: SessionFileHandle, offset = 0, chunk = 4096): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let at = offset; ;) {
    let data: Uint8Array;
    try {
      data = await handle.read(at, chunk);
    } catch (error) {
      if (error instanceof SftpError && error.status === SftpStatus.EOF) break;
      throw error;
    }
    if (data.length === 0) throw new Error(`read at ${at} returned no bytes instead of EOF`);
    parts.push(data);
    at += data.length;
  }
  return concat(...parts);
}

/** Opens, reads everything and closes. */
export async function readFile(
  session: FileSystemSessionApi,
  path: string | Uint8Array,
): Promise<Uint8Array> {
  const handle = await session.open(path, READ, {});
  try {
    return await readToEnd(handle);
  } finally {
    await handle.close();
  }
}

/** Opens (WRITE|CREAT|TRUNC by default), writes everything at offset 0 and closes (commits). */
export async function writeFile(
  session: FileSystemSessionApi,
  path: string | Uint8Array,
  content: Uint8Array | string,
  flags = WRITE | CREAT | TRUNC,
): Promise<void> {
  const handle = await session.open(path, flags, {});
  const data = typeof content === 'string' ? bytes(content) : content;
  if (data.length > 0) await handle.write(0, data);
  await handle.close();
}

/** Lists a directory through the session: opendir, readdir until EOF, close. */
export async function listDir(
  session: FileSystemSessionApi,
  path: string | Uint8Array,
): Promise<DirectoryListingEntry[]> {
  const handle = await session.opendir(path);
  const entries: DirectoryListingEntry[] = [];
  try {
    for (;;) {
      let batch: DirectoryListingEntry[];
      try {
        batch = await handle.readdir();
      } catch (error) {
        if (error instanceof SftpError && error.status === SftpStatus.EOF) break;
        throw error;
      }
      if (batch.length === 0) throw new Error('readdir returned an empty batch instead of EOF');
      entries.push(...batch);
    }
  } finally {
    await handle.close();
  }
  return entries;
}

/**
 * Compares byte arrays quickly (vitest's deep equality walks large typed arrays element by
 * element) and reports the first difference.
 */
export function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array, label = ''): void {
  expect(actual, `${label} missing`).toBeDefined();
  const a = Buffer.from(actual ?? new Uint8Array(0));
  const b = Buffer.from(expected);
  if (a.equals(b)) return;
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  expect.fail(`${label} ${a.length} bytes differ from the expected ${b.length} bytes at offset ${at}`);
}
