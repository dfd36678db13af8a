import type {
  Cap,
  ChkReadCap,
  ChkVerifyCap,
  LitCap,
  MutableReadCap,
  MutableVerifyCap,
  MutableWriteCap,
} from '../caps/cap.js';
import { CapError, isDirectoryCap } from '../caps/cap.js';
import type { StorageNode } from '../storage/node.js';
import { bytesSource, type ByteSource } from '../util/byte-source.js';
import { createSegmentWork, defaultThreadCount } from '../work/pool.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import { VersionCache } from '../mutable/version-cache.js';
import { ChangeQueues } from '../dirnode/change-queue.js';
import { DirectoryCache, type DirectoryCacheOptions } from '../dirnode/dir-cache.js';
import { openImmutable } from '../immutable/download.js';
import { checkImmutable, repairImmutable, verifyImmutable } from '../immutable/health.js';
import type { CheckReport, RepairReport, VerifyReport } from '../immutable/health.js';
import { fullSegmentSize, MAX_SEGMENT_SIZE } from '../immutable/params.js';
import { uploadImmutable, type UploadOptions, type UploadReport } from '../immutable/upload.js';
import { StreamingUpload } from '../immutable/streaming-upload.js';
import { createMutable, openMutable, replaceMutable } from '../mutable/mutable-file.js';
import { checkMutable, repairMutable, verifyMutable } from '../mutable/mutable-health.js';
import { memoryFileReader, type FileReader } from './file-reader.js';
import { validateGridEncoding, type GridContext, type GridEncoding } from './context.js';
import * as dirs from '../dirnode/directory.js';
import type { AddMode, DeleteConstraint, DirEntry, EntryMetadata } from '../dirnode/entries.js';
import type { Freshness } from '../dirnode/directory.js';

export interface GridOptions {
  readonly nodes: readonly StorageNode[];
  readonly encoding: GridEncoding;
  /** Worker threads for segment work; 0 runs it inline. Default: up to 4, one per core. */
  readonly threads?: number;
  readonly maxSegmentSize?: number;
  /** The clock and bounds of the directory cache (see DirectoryCache). */
  readonly directoryCache?: DirectoryCacheOptions;
}

export interface GridCapacity {
  /** Raw bytes the nodes hold and have free. */
  readonly totalBytes: number;
  readonly freeBytes: number;
  readonly usedBytes: number;
  /** File bytes that still fit, after the n/k expansion. */
  readonly effectiveFreeBytes: number;
  readonly effectiveTotalBytes: number;
  readonly nodes: ReadonlyArray<{
    readonly id: string;
    readonly ok: boolean;
    readonly error?: string;
    readonly totalBytes?: number;
    readonly freeBytes?: number;
    readonly usedBytes?: number;
  }>;
}

export type AnyVerifyCap = ChkReadCap | ChkVerifyCap | MutableWriteCap | MutableReadCap | MutableVerifyCap;

/**
 * The grid: one object over the storage nodes through which files and directories are stored,
 * read, checked, verified and repaired. Everything it takes and gives is a cap.
 */
export class Grid {
  private readonly ctx: GridContext;

  constructor(options: GridOptions) {
    validateGridEncoding(options.encoding);
    if (options.nodes.length === 0) throw new RangeError('a grid needs at least one storage node');
    this.ctx = {
      nodes: options.nodes,
      encoding: options.encoding,
      work: createSegmentWork(options.threads ?? defaultThreadCount()),
      maxSegmentSize: options.maxSegmentSize ?? MAX_SEGMENT_SIZE,
      writeLocks: new KeyedMutex(),
      publishedVersions: new VersionCache(),
      directories: new DirectoryCache(options.directoryCache),
      directoryChanges: new ChangeQueues(),
    };
  }

  get encoding(): GridEncoding {
    return this.ctx.encoding;
  }

  get nodes(): readonly StorageNode[] {
    return this.ctx.nodes;
  }

  /**
   * A storage node joins the running grid: uploads from now on may place shares on it, and reads
   * ask it too. Files stored before keep their shares where they are (repair can spread them).
   */
  addNode(node: StorageNode): void {
    if (this.ctx.nodes.some((n) => n.id === node.id))
      throw new RangeError(`storage node ${node.id} is already in this grid`);
    this.ctx.nodes = [...this.ctx.nodes, node];
  }

  /** Stores an immutable file; a LIT cap for ≤ 55 bytes, otherwise a CHK cap. */
  upload(source: ByteSource, options: UploadOptions): Promise<UploadReport> {
    return uploadImmutable(this.ctx, source, options);
  }

  /** The segment size of every file of at least one segment (smaller files have one shorter segment). */
  get fullSegmentSize(): number {
    return fullSegmentSize(this.ctx.encoding, this.ctx.maxSegmentSize);
  }

  /**
   * An immutable upload fed while its size is unknown, for a file written from start to end (see
   * StreamingUpload); undefined when some storage node cannot take it that way.
   */
  startStreamingUpload(): Promise<StreamingUpload | undefined> {
    return StreamingUpload.start(this.ctx);
  }

  uploadBytes(bytes: Uint8Array, options: UploadOptions): Promise<UploadReport> {
    return this.upload(bytesSource(bytes), options);
  }

  /** Opens any file cap for reading (for a mutable file: its newest recoverable version). */
  async openFile(cap: Cap): Promise<FileReader> {
    switch (cap.kind) {
      case 'lit':
        return memoryFileReader(cap.data);
      case 'chk-read':
        return openImmutable(this.ctx, cap);
      case 'mutable-write':
      case 'mutable-read':
        if (isDirectoryCap(cap)) throw new CapError('that cap is a directory, not a file');
        return openMutable(this.ctx, cap);
      default:
        throw new CapError(`a ${cap.kind} cap cannot be read`);
    }
  }

  /** Reads a whole (small) file into memory. */
  async readAll(cap: Cap): Promise<Uint8Array> {
    const reader = await this.openFile(cap);
    const parts: Uint8Array[] = [];
    for await (const part of reader.stream()) parts.push(part);
    return new Uint8Array(Buffer.concat(parts));
  }

  createMutableFile(source: ByteSource): Promise<MutableWriteCap> {
    return createMutable(this.ctx, 'file', source);
  }

  /** Publishes new content as the next version of a mutable file; its cap stays the same. */
  replaceMutableFile(cap: MutableWriteCap, source: ByteSource): Promise<void> {
    return replaceMutable(this.ctx, cap, source);
  }

  createDirectory(entries: readonly DirEntry[] = []): Promise<MutableWriteCap> {
    return dirs.createDirectory(this.ctx, entries);
  }

  /**
   * The entries of a directory. By default every change made anywhere before the call is seen;
   * `maxAgeMs` accepts a listing this process read or wrote up to that long ago (see DirectoryCache).
   */
  listDirectory(cap: Cap, freshness: Freshness = {}): Promise<DirEntry[]> {
    return dirs.listDirectory(this.ctx, cap, freshness);
  }

  /** One child of a directory by name, or undefined when there is none. */
  getChild(dir: Cap, name: string, freshness: Freshness = {}): Promise<DirEntry | undefined> {
    return dirs.childOf(this.ctx, dir, name, freshness);
  }

  /**
   * Links `child` at `name`. With `coalesce`, the change may wait a moment for other changes of
   * the same directory and be published with them (for callers nobody waits on at once).
   */
  addChild(
    dir: Cap,
    name: string,
    child: Cap,
    options: { mode?: AddMode; metadata?: EntryMetadata; coalesce?: boolean } = {},
  ): Promise<DirEntry> {
    return dirs.addChild(this.ctx, dir, name, child, options);
  }

  deleteChild(dir: Cap, name: string, constraint: DeleteConstraint = {}): Promise<DirEntry | undefined> {
    return dirs.deleteChild(this.ctx, dir, name, constraint);
  }

  setChildMetadata(
    dir: Cap,
    name: string,
    metadata: EntryMetadata,
    options: { coalesce?: boolean } = {},
  ): Promise<DirEntry> {
    return dirs.setChildMetadata(this.ctx, dir, name, metadata, options);
  }

  moveChild(
    from: Cap,
    fromName: string,
    to: Cap,
    toName: string,
    options: { mode?: AddMode } = {},
  ): Promise<DirEntry> {
    return dirs.moveChild(this.ctx, from, fromName, to, toName, options);
  }

  /** Follows a path of names from a directory cap; the cap (and entry) found at its end. */
  resolvePath(
    root: Cap,
    names: readonly string[],
    freshness: Freshness = {},
  ): Promise<{ cap: Cap; entry?: DirEntry }> {
    return dirs.resolvePath(this.ctx, root, names, freshness);
  }

  check(cap: AnyVerifyCap | LitCap): Promise<CheckReport> {
    if (cap.kind === 'lit') return Promise.resolve(litReport());
    return cap.kind === 'chk-read' || cap.kind === 'chk-verify'
      ? checkImmutable(this.ctx, cap)
      : checkMutable(this.ctx, cap);
  }

  verify(cap: AnyVerifyCap | LitCap): Promise<VerifyReport> {
    if (cap.kind === 'lit') return Promise.resolve({ ...litReport(), shares: [], intact: true });
    return cap.kind === 'chk-read' || cap.kind === 'chk-verify'
      ? verifyImmutable(this.ctx, cap)
      : verifyMutable(this.ctx, cap);
  }

  async repair(cap: AnyVerifyCap | LitCap): Promise<RepairReport> {
    if (cap.kind === 'lit') {
      const report = await this.verify(cap);
      return { before: report, after: report, regenerated: [], removed: [] };
    }
    return cap.kind === 'chk-read' || cap.kind === 'chk-verify'
      ? repairImmutable(this.ctx, cap)
      : repairMutable(this.ctx, cap);
  }

  /** Capacity of the grid: raw node space and what it means for file bytes after n/k expansion. */
  async capacity(): Promise<GridCapacity> {
    const { k, n } = this.ctx.encoding;
    const nodes = await Promise.all(
      this.ctx.nodes.map(async (node) => {
        try {
          return { id: node.id, ok: true, ...(await node.space()) };
        } catch (error) {
          return { id: node.id, ok: false, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    // Nodes on one disk share its free space: count each volume once, not once per node.
    const volumes = new Map<string, { totalBytes: number; freeBytes: number }>();
    let usedBytes = 0;
    for (const node of nodes) {
      if (!('totalBytes' in node)) continue;
      usedBytes += node.usedBytes;
      volumes.set(node.volume ?? `node:${node.id}`, {
        totalBytes: node.totalBytes,
        freeBytes: node.freeBytes,
      });
    }
    const totalBytes = [...volumes.values()].reduce((sum, v) => sum + v.totalBytes, 0);
    const freeBytes = [...volumes.values()].reduce((sum, v) => sum + v.freeBytes, 0);
    return {
      totalBytes,
      freeBytes,
      usedBytes,
      effectiveFreeBytes: Math.floor((freeBytes * k) / n),
      effectiveTotalBytes: Math.floor((totalBytes * k) / n),
      nodes,
    };
  }

  async close(): Promise<void> {
    await this.ctx.work.close();
  }
}

function litReport(): CheckReport {
  return {
    sharesFound: 0,
    sharesNeeded: 0,
    sharesTotal: 0,
    happiness: 0,
    healthy: true,
    recoverable: true,
    placements: [],
    problems: [],
  };
}
