import type { StorageNode } from '../storage/node.js';
import type { RecoverableVersion, ServerMap, MappedShare } from './servermap.js';
import {
  VERSION_TEST_LENGTH,
  VERSION_TEST_OFFSET,
  encodeMutableHeader,
  type MutableVersion,
} from './share-format.js';

/** What this process last published of a mutable file: its shares, version and content. */
export interface KnownVersion {
  readonly map: ServerMap;
  readonly best: RecoverableVersion;
  readonly content: Uint8Array;
}

/**
 * Remembers the version a writer in this process last published, so the next change of the same
 * file (a directory, above all) can skip mapping the servers and downloading the content: it goes
 * straight to test-and-set against the shares it wrote.
 *
 * Why that is safe: every share is replaced only if it still holds the remembered version. If
 * any other writer (another process, another grid object) published since, the first share's
 * test fails, the entry is dropped and the change starts over from a fresh server map, so a stale
 * entry costs a retry, never an update. Only writers consult it (readers always map the servers,
 * since they cannot test anything), and only under the per-file write lock.
 */
export class VersionCache {
  private readonly entries = new Map<string, KnownVersion>();
  private bytes = 0;

  /** Bounded by entries and by content bytes: big mutable files are not worth keeping around. */
  constructor(
    private readonly limit = 256,
    private readonly byteLimit = 32 * 1024 * 1024,
    private readonly largestContent = 1024 * 1024,
  ) {}

  get(si: string): KnownVersion | undefined {
    const entry = this.entries.get(si);
    if (entry !== undefined) {
      // Most recently used last, so the oldest is evicted first.
      this.entries.delete(si);
      this.entries.set(si, entry);
    }
    return entry;
  }

  forget(si: string): void {
    const entry = this.entries.get(si);
    if (entry === undefined) return;
    this.bytes -= entry.content.length;
    this.entries.delete(si);
  }

  remember(
    si: string,
    version: MutableVersion,
    placements: ReadonlyArray<{ shnum: number; nodeId: string }>,
    nodes: readonly StorageNode[],
    content: Uint8Array,
  ): void {
    this.forget(si);
    if (content.length > this.largestContent) return;
    const tag = encodeMutableHeader(0, version).slice(
      VERSION_TEST_OFFSET,
      VERSION_TEST_OFFSET + VERSION_TEST_LENGTH,
    );
    const shares: MappedShare[] = [];
    for (const placement of placements) {
      const node = nodes.find((n) => n.id === placement.nodeId);
      if (node !== undefined) shares.push({ shnum: placement.shnum, node, version, versionTag: tag });
    }
    const map: ServerMap = { shares, problems: [], unreadable: [], highestSeq: version.seq };
    const best: RecoverableVersion = {
      version,
      shares,
      distinctShares: new Set(shares.map((s) => s.shnum)).size,
    };
    this.entries.set(si, { map, best, content });
    this.bytes += content.length;
    while (this.entries.size > this.limit || this.bytes > this.byteLimit) {
      this.forget(this.entries.keys().next().value as string);
    }
  }
}
