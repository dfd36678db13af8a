/**
 * A StorageNode wrapper with switchable faults, for the fault tests of the layers above (upload
 * with nodes down, reads from lying nodes, repair). Flip a flag at any time; it applies to the
 * next call, including calls on ShareWriters already handed out.
 *
 *   offline       every call throws StorageNodeError (except close, so test cleanup still works)
 *   throwOnWrite  createShare, ShareWriter.write/commit, testAndSetShare, deleteShare throw
 *   throwOnRead   readShare and listShares throw
 *   garbage       readShare returns random bytes, as many as the inner node returned
 *                 (the asked length unless the read ran past the end, so EOF still looks right)
 *   delayMs       every call waits this long first (slow node, timeouts, ordering)
 *   appendOnly    share writers handed out from now on have no writeAt (like an object store)
 *   writeOnly     share writers handed out from now on have no readAt (cannot read back)
 *   throwOnCommit ShareWriter.commit throws (the share's writes went through)
 *
 * openWriters counts share writers neither committed nor aborted: a test can see an upload that
 * was given up without being aborted (its temp files would stay on a real node).
 *
 * corruptByte() flips one stored byte through the inner node, for "the node silently lost a bit"
 * tests; a test of a LocalDirectoryNode can also edit the share file directly.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageNodeError } from '../../src/storage/index.js';
import type {
  NodeSpace,
  ShareInfo,
  ShareTest,
  ShareWriter,
  StorageIndexText,
  StorageNode,
  TestAndSetResult,
} from '../../src/storage/index.js';

export class FaultyNode implements StorageNode {
  offline = false;
  throwOnWrite = false;
  throwOnRead = false;
  garbage = false;
  delayMs = 0;
  appendOnly = false;
  writeOnly = false;
  throwOnCommit = false;
  openWriters = 0;

  constructor(readonly inner: StorageNode) {}

  get id(): string {
    return this.inner.id;
  }

  get kind(): StorageNode['kind'] {
    return this.inner.kind;
  }

  get location(): string {
    return this.inner.location;
  }

  async createShare(si: StorageIndexText, shnum: number): Promise<ShareWriter> {
    await this.enter('write');
    const writer = await this.inner.createShare(si, shnum);
    const readAt = writer.readAt?.bind(writer);
    this.openWriters++;
    let open = true;
    const settle = (): void => {
      if (open) this.openWriters--;
      open = false;
    };
    return {
      write: async (chunk) => {
        await this.enter('write');
        await writer.write(chunk);
      },
      ...(writer.writeAt === undefined || this.appendOnly
        ? {}
        : {
            writeAt: async (offset: number, bytes: Uint8Array) => {
              await this.enter('write');
              await writer.writeAt?.(offset, bytes);
            },
          }),
      ...(readAt === undefined || this.writeOnly
        ? {}
        : {
            readAt: async (offset: number, length: number) => {
              await this.enter('read');
              const bytes = await readAt(offset, length);
              return this.garbage ? new Uint8Array(randomBytes(bytes.byteLength)) : bytes;
            },
          }),
      commit: async () => {
        await this.enter('write');
        if (this.throwOnCommit) throw new StorageNodeError(this.id, 'commit failed (simulated fault)');
        await writer.commit();
        settle();
      },
      // Abort always reaches the inner node, so a faulted upload does not leak temp files.
      abort: async () => {
        settle();
        await writer.abort();
      },
    };
  }

  async readShare(si: StorageIndexText, shnum: number, offset: number, length: number): Promise<Uint8Array> {
    await this.enter('read');
    const bytes = await this.inner.readShare(si, shnum, offset, length);
    return this.garbage ? new Uint8Array(randomBytes(bytes.byteLength)) : bytes;
  }

  async listShares(si: StorageIndexText): Promise<ShareInfo[]> {
    await this.enter('read');
    return this.inner.listShares(si);
  }

  async deleteShare(si: StorageIndexText, shnum: number): Promise<void> {
    await this.enter('write');
    await this.inner.deleteShare(si, shnum);
  }

  async testAndSetShare(
    si: StorageIndexText,
    shnum: number,
    test: ShareTest,
    data: Uint8Array,
  ): Promise<TestAndSetResult> {
    await this.enter('write');
    return this.inner.testAndSetShare(si, shnum, test, data);
  }

  async *listStorageIndexes(): AsyncIterable<StorageIndexText> {
    await this.enter('other');
    yield* this.inner.listStorageIndexes();
  }

  async space(): Promise<NodeSpace> {
    await this.enter('other');
    return this.inner.space();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Flips (xor 0xff) the byte at `offset` of a stored share, rewriting it through the inner node. */
  async corruptByte(si: StorageIndexText, shnum: number, offset = 0): Promise<void> {
    const share = await this.inner.readShare(si, shnum, 0, Number.MAX_SAFE_INTEGER);
    if (offset < 0 || offset >= share.byteLength) {
      throw new RangeError(`offset ${offset} is outside the ${share.byteLength}-byte share`);
    }
    share[offset] = (share[offset] ?? 0) ^ 0xff;
    const writer = await this.inner.createShare(si, shnum);
    try {
      await writer.write(share);
      await writer.commit();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  private async enter(kind: 'read' | 'write' | 'other'): Promise<void> {
    if (this.delayMs > 0) await sleep(this.delayMs);
    if (this.offline) throw new StorageNodeError(this.id, 'offline (simulated fault)');
    if (kind === 'write' && this.throwOnWrite)
      throw new StorageNodeError(this.id, 'write failed (simulated fault)');
    if (kind === 'read' && this.throwOnRead)
      throw new StorageNodeError(this.id, 'read failed (simulated fault)');
  }
}
