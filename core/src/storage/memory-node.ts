/**
 * A storage node in memory, for fast tests of the layers above. Same semantics as
 * LocalDirectoryNode: same address checks, nothing visible before commit, test-and-set atomic,
 * and bytes copied in and out so that no caller can alias (and so mutate) a stored share.
 */
import { ShareNotFoundError, StorageFullError, StorageNodeError } from './node.js';
import type {
  NodeSpace,
  ShareInfo,
  ShareTest,
  ShareWriter,
  StorageIndexText,
  StorageNode,
  TestAndSetResult,
} from './node.js';
import {
  assertByteRange,
  assertShareAddress,
  assertShareTest,
  randomBase32,
  shareTestHolds,
  testedRange,
} from './share-checks.js';

export interface MemoryNodeOptions {
  readonly id?: string;
  /** Bytes of shares it accepts before StorageFullError (unbounded by default). */
  readonly capacityBytes?: number;
}

/**
 * Every method yields once before acting, so callers cannot come to rely on synchronous
 * completion that real nodes never give; the check and the write of test-and-set then run with no
 * await between them, which is what makes them atomic here.
 */
const turn = (): Promise<void> => Promise.resolve();

export class MemoryNode implements StorageNode {
  readonly kind = 'memory' as const;
  readonly id: string;
  readonly location: string;
  private readonly capacity: number;
  private readonly shares = new Map<StorageIndexText, Map<number, Uint8Array>>();
  private used = 0;
  private closed = false;

  constructor(options: MemoryNodeOptions = {}) {
    this.id = options.id ?? `m-${randomBase32(10)}`;
    this.location = `memory:${this.id}`;
    this.capacity = options.capacityBytes ?? Number.MAX_SAFE_INTEGER;
  }

  async createShare(si: StorageIndexText, shnum: number): Promise<ShareWriter> {
    await turn();
    this.assertOpen();
    assertShareAddress(si, shnum);
    let chunks: Uint8Array[] = [];
    let overwrites: Array<{ offset: number; bytes: Uint8Array }> = [];
    let size = 0;
    let state: 'open' | 'committed' | 'aborted' = 'open';
    const assertWritable = (): void => {
      this.assertOpen();
      if (state !== 'open') throw new StorageNodeError(this.id, `share writer is ${state}`);
    };
    const whole = (): Uint8Array => {
      const data = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) {
        data.set(chunk, at);
        at += chunk.byteLength;
      }
      for (const { offset, bytes } of overwrites) data.set(bytes, offset);
      return data;
    };
    return {
      write: async (chunk) => {
        await turn();
        assertWritable();
        if (this.used + size + chunk.byteLength > this.capacity) {
          state = 'aborted';
          chunks = [];
          throw new StorageFullError(this.id);
        }
        chunks.push(chunk.slice());
        size += chunk.byteLength;
      },
      writeAt: async (offset, bytes) => {
        await turn();
        assertWritable();
        if (offset < 0 || offset + bytes.byteLength > size)
          throw new RangeError('writeAt past the share end');
        overwrites.push({ offset, bytes: bytes.slice() });
      },
      readAt: async (offset, length) => {
        await turn();
        assertWritable();
        if (offset < 0 || length < 0 || offset + length > size)
          throw new RangeError('readAt past the share end');
        return whole().slice(offset, offset + length);
      },
      commit: async () => {
        await turn();
        assertWritable();
        const data = whole();
        chunks = [];
        overwrites = [];
        state = 'committed';
        this.store(si, shnum, data);
      },
      abort: async () => {
        await turn();
        if (state === 'open') state = 'aborted';
        chunks = [];
      },
    };
  }

  async readShare(si: StorageIndexText, shnum: number, offset: number, length: number): Promise<Uint8Array> {
    await turn();
    this.assertOpen();
    assertShareAddress(si, shnum);
    assertByteRange(offset, length);
    const share = this.shares.get(si)?.get(shnum);
    if (share === undefined) throw new ShareNotFoundError(this.id, si, shnum);
    return share.slice(offset, offset + Math.min(length, share.byteLength));
  }

  async listShares(si: StorageIndexText): Promise<ShareInfo[]> {
    await turn();
    this.assertOpen();
    assertShareAddress(si, 0);
    return [...(this.shares.get(si) ?? new Map<number, Uint8Array>())]
      .map(([shnum, data]) => ({ shnum, size: data.byteLength }))
      .sort((a, b) => a.shnum - b.shnum);
  }

  async deleteShare(si: StorageIndexText, shnum: number): Promise<void> {
    await turn();
    this.assertOpen();
    assertShareAddress(si, shnum);
    const byShnum = this.shares.get(si);
    const share = byShnum?.get(shnum);
    if (byShnum === undefined || share === undefined) return;
    byShnum.delete(shnum);
    if (byShnum.size === 0) this.shares.delete(si);
    this.used -= share.byteLength;
  }

  async testAndSetShare(
    si: StorageIndexText,
    shnum: number,
    test: ShareTest,
    data: Uint8Array,
  ): Promise<TestAndSetResult> {
    await turn();
    this.assertOpen();
    assertShareAddress(si, shnum);
    assertShareTest(test);
    const share = this.shares.get(si)?.get(shnum);
    const range = testedRange(test);
    const current =
      share === undefined
        ? null
        : share.slice(range.offset, range.offset + Math.min(range.length, share.byteLength));
    if (!shareTestHolds(test, current)) return { ok: false, current };
    this.store(si, shnum, data.slice());
    return { ok: true };
  }

  async *listStorageIndexes(): AsyncIterable<StorageIndexText> {
    await turn();
    this.assertOpen();
    // A snapshot, like a folder walk: changes during the iteration may or may not show.
    for (const si of [...this.shares.keys()].sort()) yield si;
  }

  async space(): Promise<NodeSpace> {
    await turn();
    this.assertOpen();
    return {
      totalBytes: this.capacity,
      freeBytes: Math.max(0, this.capacity - this.used),
      usedBytes: this.used,
    };
  }

  async close(): Promise<void> {
    await turn();
    this.closed = true;
  }

  /** `data` must already be a private copy. */
  private store(si: StorageIndexText, shnum: number, data: Uint8Array): void {
    let byShnum = this.shares.get(si);
    const previous = byShnum?.get(shnum)?.byteLength ?? 0;
    if (this.used - previous + data.byteLength > this.capacity) throw new StorageFullError(this.id);
    if (byShnum === undefined) {
      byShnum = new Map();
      this.shares.set(si, byShnum);
    }
    byShnum.set(shnum, data);
    this.used += data.byteLength - previous;
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageNodeError(this.id, 'node is closed');
  }
}
