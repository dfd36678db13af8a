/**
 * A real file-system session over an in-process grid (as core's session harness builds it): five
 * in-memory nodes, 3-of-5 encoding, shared registries and a temporary spool folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ActivityRegistry,
  FileSystemSession,
  Grid,
  HeisenfileRegistry,
  MemoryNode,
  SftpError,
  SftpStatus,
  type FileSystemSessionApi,
  type MutableWriteCap,
} from '@grid-sftp/core';

export interface TestGrid {
  readonly grid: Grid;
  readonly root: MutableWriteCap;
  readonly heisenfiles: HeisenfileRegistry;
  session(): FileSystemSessionApi;
  /** The committed content of a root-level file, or undefined when there is none. */
  content(name: string): Promise<Uint8Array | undefined>;
  dispose(): Promise<void>;
}

export async function makeGrid(): Promise<TestGrid> {
  const nodes = Array.from(
    { length: 5 },
    (_, i) => new MemoryNode({ id: `node-${i}`, capacityBytes: 1024 * 1024 * 1024 }),
  );
  const grid = new Grid({ nodes, encoding: { k: 3, happy: 4, n: 5 }, threads: 0 });
  const heisenfiles = new HeisenfileRegistry();
  const activity = new ActivityRegistry();
  const spoolDir = await mkdtemp(join(tmpdir(), 'grid-sftp-server-test-'));
  const root = await grid.createDirectory();
  const convergenceSecret = new Uint8Array(randomBytes(32));
  const sessions: FileSystemSessionApi[] = [];
  const testGrid: TestGrid = {
    grid,
    root,
    heisenfiles,
    session() {
      const session = new FileSystemSession({
        grid,
        heisenfiles,
        activity,
        account: 'alice',
        root,
        convergenceSecret,
        spoolDir,
      });
      sessions.push(session);
      return session;
    },
    async content(name) {
      const entries = await grid.listDirectory(root);
      const entry = entries.find((e) => e.name === name);
      if (entry === undefined) return undefined;
      const session = testGrid.session();
      const handle = await session.open(`/${name}`, 0x01, {});
      const parts: Uint8Array[] = [];
      for (let at = 0; ;) {
        try {
          const data = await handle.read(at, 65536);
          parts.push(data);
          at += data.length;
        } catch (error) {
          if (error instanceof SftpError && error.status === SftpStatus.EOF) break;
          throw error;
        }
      }
      await handle.close();
      return Buffer.concat(parts);
    },
    async dispose() {
      for (const session of sessions) await session.end().catch(() => undefined);
      await grid.close();
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
  return testGrid;
}
