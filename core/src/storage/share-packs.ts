/**
 * Share packs: a local node's small immutable shares, appended to pack files instead of a file
 * each (layout in share-pack-format.ts), the way Haystack and SeaweedFS keep small objects.
 *
 * Why: a small file is five small shares. As files, each cost an inode, a rename, an fsync of
 * itself and one of its folder (and, on a young grid, a mkdir): 1,000 small files copied in through
 * sshfs spent most of the gateway's CPU on those calls (measured: 10,000 openat, 8,900 fsync, 2,700
 * mkdir). In a pack, a share is an append, and the appends waiting at one moment share one write
 * and one fdatasync (group commit).
 *
 *   packs/<instance>.<seq>.pack   appended to only by the open node instance <instance> (the name
 *                                 of its temp folder, whose lock says whether it is alive)
 *
 * Why the order of events is safe:
 * - A put resolves only after its record was written and fdatasynced, and the index learns of it
 *   only then, so a reader never sees a share that a crash could take back.
 * - One batch is written at a time, at the end of the last one, so a pack is always whole records
 *   followed by at most one torn batch (after a crash or a failed write). After a failed write
 *   the pack is retired, its torn bytes cut off (or the pack removed when it held nothing
 *   acknowledged), and appends go to a new one, so no good record ever follows a torn one.
 * - Each instance appends only to packs named after it, so no two writers share a file. Other
 *   instances (another process on the same folder: a CLI `get` while `serve` runs) see new records
 *   by scanning the tails of live instances' packs on a miss or a listing (`refresh`).
 * - Of two records for one share the later stamp wins, whichever pack holds it; a tombstone is a
 *   record too, so a delete in one pack beats a put in an older one.
 *
 * Each open instance indexes every packed share in memory (PackIndex, ~55 bytes a share) and
 * scans every pack when it opens: a CLI run leaves a pack per node it wrote to.
 *
 * Not done yet: compaction. A deleted or replaced small share keeps its bytes in its pack (and
 * counts as used space) until a pack rewrite exists; the grid deletes immutable shares only in
 * repair and after failed uploads, so little is lost. Compaction would also merge the small packs
 * that CLI runs leave.
 */
import { open, readdir, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readFullyInto, writeFully } from './file-io.js';
import { ShareReadHandles } from './share-read-handles.js';
import { PackIndex, type PackEntry } from './pack-index.js';
import { encodeRecord, MAX_PACKED_SHARE, scanPack, type PackRecord } from './share-pack-format.js';
import type { ShareInfo, StorageIndexText } from './node.js';

/** A pack is closed for appends past this size, and the next append starts a new one. */
const PACK_LIMIT = 64 * 1024 * 1024;
const PACK_NAME = /^(i-[a-z2-7]{1,32})\.([1-9][0-9]{0,8})\.pack$/;
/** How often an appender makes sure its pack file was not removed (see wasRemoved). */
const LINK_CHECK_EVERY_MS = 1_000;
/** How often a refresh asks whether the instances writing foreign packs are still alive. */
const LIVENESS_EVERY_MS = 5_000;
/**
 * A folder's mtime moves in ticks of the kernel's coarse clock, so a pack created in the same tick
 * as our listing would leave the mtime unchanged. A listing is trusted only when the folder changed
 * longer ago than this.
 */
const MTIME_SETTLE_MS = 2_000;

export { MAX_PACKED_SHARE };

interface PackFile {
  /** Its place in `packList`, which is how the index names it. */
  readonly number: number;
  readonly name: string;
  readonly path: string;
  readonly instance: string;
  /**
   * Our own pack's handle, open for appends and reads while we write it. Other packs are opened
   * through `readHandles` when read, so a server that outlives many CLI runs (each leaves a pack
   * per node) does not hold a descriptor for every pack ever made.
   */
  readonly handle?: FileHandle;
  /** Where the records seen so far end (for our own pack: where the next batch goes). */
  end: number;
  /** Nobody appends to it any more: its instance is gone, or it is ours and retired. */
  sealed: boolean;
  /** For our own pack: when we last made sure its file is still linked (see packFor). */
  linkCheckedAt?: number;
}

/** Where a packed share's bytes are. */
export interface PackedShare {
  readonly pack: PackFile;
  /** Payload position in the pack file. */
  readonly offset: number;
  readonly length: number;
}

interface PendingRecord {
  /** The encoded record, and what the index learns of it once it is durable. */
  readonly record: Buffer;
  readonly parsed: Omit<PackRecord, 'payloadOffset'>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export interface SharePacksHost {
  /** The packs folder (it exists). */
  readonly root: string;
  /** This instance's current name; a new pack is started when it changes (its lock was lost). */
  instanceName(): Promise<string>;
  /** Whether the instance of that name is still open somewhere (holds its lock). */
  isLive(instance: string): Promise<boolean>;
  fsyncDir(dir: string): Promise<void>;
}

export class SharePacks {
  private readonly index = new PackIndex();
  private readonly packs = new Map<string, PackFile>();
  private readonly packList: PackFile[] = [];
  /** Packs are append-only, so a kept handle never serves stale bytes (see ShareReadHandles). */
  private readonly readHandles = new ShareReadHandles();
  private own: PackFile | undefined;
  private ownInstance: string | undefined;
  private ownSequence = 0;
  private lastStamp = 0;
  private pending: PendingRecord[] = [];
  private draining: Promise<void> | undefined;
  private refreshTail: Promise<void> = Promise.resolve();
  private queuedRefresh: Promise<void> | undefined;
  private listedMtime: bigint | undefined;
  private livenessCheckedAt = 0;
  private closed = false;
  /** Bytes of the live shares in the packs (what a node reports as used by its shares). */
  liveBytes = 0;

  private constructor(private readonly host: SharePacksHost) {}

  static async open(host: SharePacksHost): Promise<SharePacks> {
    const packs = new SharePacks(host);
    await packs.refresh();
    return packs;
  }

  /** Where a live packed share is, or undefined (none, or deleted). */
  locate(si: StorageIndexText, shnum: number): PackedShare | undefined {
    const entry = this.index.get(si, shnum);
    if (entry === undefined || entry.deleted) return undefined;
    return { pack: this.packList[entry.pack] as PackFile, offset: entry.offset, length: entry.length };
  }

  list(si: StorageIndexText): ShareInfo[] {
    return this.index
      .entriesOf(si)
      .filter(([, entry]) => !entry.deleted)
      .map(([shnum, entry]) => ({ shnum, size: entry.length }));
  }

  /** Storage indexes with at least one live packed share. */
  storageIndexes(): Iterable<StorageIndexText> {
    return this.index.liveStorageIndexes();
  }

  /** Reads from `offset` of the share into `target`; returns the bytes read (short at its end). */
  async read(share: PackedShare, offset: number, target: Uint8Array): Promise<number> {
    const wanted = Math.max(0, Math.min(target.length, share.length - offset));
    const got = await this.withHandle(share.pack, (handle) =>
      readFullyInto(handle, share.offset + offset, target.subarray(0, wanted)),
    );
    if (got < wanted) throw Object.assign(new Error('share pack ends early'), { code: 'EIO' });
    return got;
  }

  /** Stores a share; resolves once it is durable, and only then can it be read. */
  put(si: StorageIndexText, shnum: number, payload: Uint8Array): Promise<void> {
    return this.append('share', si, shnum, payload);
  }

  /** Deletes a packed share durably; false when there was none. */
  async remove(si: StorageIndexText, shnum: number): Promise<boolean> {
    if (this.locate(si, shnum) === undefined) return false;
    await this.append('tombstone', si, shnum, new Uint8Array(0));
    return true;
  }

  /**
   * Picks up records that other instances appended since the last look. A call always waits for
   * a scan that starts after it was made, so a caller that missed a share sees every record made
   * durable before its call.
   */
  refresh(): Promise<void> {
    if (this.queuedRefresh !== undefined) return this.queuedRefresh;
    const next = this.refreshTail.then(() => {
      this.queuedRefresh = undefined;
      return this.scanForeign();
    });
    this.queuedRefresh = next;
    this.refreshTail = next.catch(() => undefined);
    return next;
  }

  /** Waits for appends under way, then closes every pack. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining !== undefined) await this.draining;
    await this.refreshTail;
    const ours = [...this.packs.values()].flatMap((pack) => (pack.handle === undefined ? [] : [pack.handle]));
    await Promise.all(ours.map((handle) => handle.close().catch(() => undefined)));
    await this.readHandles.closeAll();
    this.packs.clear();
  }

  // ---------------------------------------------------------------------------------------------

  private append(
    kind: PackRecord['kind'],
    si: StorageIndexText,
    shnum: number,
    payload: Uint8Array,
  ): Promise<void> {
    if (this.closed) return Promise.reject(new Error('share packs are closed'));
    this.lastStamp = Math.max(Date.now() * 1000, this.lastStamp + 1);
    const stamp = this.lastStamp;
    const record = encodeRecord(kind, si, shnum, stamp, payload);
    return new Promise<void>((resolve, reject) => {
      const parsed = { kind, si, shnum, stamp, payloadLength: payload.byteLength };
      this.pending.push({ record, parsed, resolve, reject });
      this.draining ??= this.drain().finally(() => {
        this.draining = undefined;
      });
    });
  }

  /** Writes whatever is pending as one batch, makes it durable, and repeats until none is left. */
  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const bytes =
        batch.length === 1 ? (batch[0] as PendingRecord).record : Buffer.concat(batch.map((p) => p.record));
      let pack: PackFile | undefined;
      try {
        pack = await this.packFor(bytes.length);
        const handle = pack.handle as FileHandle;
        const start = pack.end;
        await writeFully(handle, bytes, start);
        await handle.datasync();
        pack.end = start + bytes.length;
        let at = start;
        for (const { record, parsed } of batch) {
          at += record.length;
          this.apply(pack, { ...parsed, payloadOffset: at - parsed.payloadLength });
        }
      } catch (err) {
        if (pack !== undefined) await this.abandon(pack);
        for (const item of batch) item.reject(err);
        continue;
      }
      for (const item of batch) item.resolve();
    }
  }

  /** Our pack for the next batch: a new one when there is none, it is full, or we were renamed. */
  private async packFor(batchBytes: number): Promise<PackFile> {
    const instance = await this.host.instanceName();
    const own = this.own;
    if (own !== undefined) {
      const full = own.end > 0 && own.end + batchBytes > PACK_LIMIT;
      const removed = await this.wasRemoved(own);
      if (!full && !removed && own.instance === instance) return own;
      this.retire(own);
      if (removed)
        throw Object.assign(new Error('the share pack was removed from the node folder'), { code: 'ENOENT' });
    }
    if (instance !== this.ownInstance) {
      this.ownInstance = instance;
      this.ownSequence = 0;
    }
    const name = `${instance}.${++this.ownSequence}.pack`;
    const path = join(this.host.root, name);
    const handle = await open(path, 'wx+');
    const pack = this.addPack({ name, path, instance, handle, end: 0, sealed: false });
    this.own = pack;
    // The new file's folder entry must be durable before any record in it is acknowledged.
    await this.host.fsyncDir(this.host.root);
    return pack;
  }

  /**
   * Whether our pack's file was removed (its node folder deleted under us): appends to it would
   * vanish at close. Asked at most once a second: an fstat before every batch cost more event-loop
   * time than the append itself (small files make a batch of one record per node), and a second of
   * appends is small next to the whole pack such a removal has destroyed already.
   */
  private async wasRemoved(pack: PackFile): Promise<boolean> {
    const now = Date.now();
    if (pack.linkCheckedAt !== undefined && now - pack.linkCheckedAt < LINK_CHECK_EVERY_MS) return false;
    pack.linkCheckedAt = now;
    return (await (pack.handle as FileHandle).stat()).nlink === 0;
  }

  /**
   * After a failed append: the pack may end in a torn batch, so it takes no more appends (no good
   * record may follow a torn one), and the torn bytes are cut off. A pack with nothing acknowledged
   * in it is removed: a disk that stays full would otherwise leave an empty pack per failed append.
   */
  private async abandon(pack: PackFile): Promise<void> {
    this.retire(pack);
    const handle = pack.handle;
    if (handle === undefined) return;
    if (pack.end === 0) {
      await handle.close().catch(() => undefined);
      await unlink(pack.path).catch(() => undefined);
      this.packs.delete(pack.name);
      return;
    }
    await handle.truncate(pack.end).catch(() => undefined);
  }

  private retire(pack: PackFile): void {
    pack.sealed = true;
    if (this.own === pack) this.own = undefined;
  }

  private apply(pack: PackFile, record: PackRecord): void {
    const current = this.index.get(record.si, record.shnum);
    if (current !== undefined && !this.isNewer(record.stamp, pack, record.payloadOffset, current)) return;
    if (current !== undefined && !current.deleted) this.liveBytes -= current.length;
    if (record.kind === 'share') this.liveBytes += record.payloadLength;
    this.index.set(record.si, record.shnum, {
      pack: pack.number,
      offset: record.payloadOffset,
      length: record.payloadLength,
      stamp: record.stamp,
      deleted: record.kind === 'tombstone',
    });
    // Our next stamps must come after every record seen, even one from a clock that ran ahead.
    if (record.stamp > this.lastStamp) this.lastStamp = record.stamp;
  }

  private isNewer(stamp: number, pack: PackFile, offset: number, than: PackEntry): boolean {
    if (stamp !== than.stamp) return stamp > than.stamp;
    const other = this.packList[than.pack] as PackFile;
    if (pack !== other) return pack.name > other.name;
    return offset > than.offset;
  }

  /** Registers a pack we know of now (its number is its place in packList). */
  private addPack(pack: Omit<PackFile, 'number'>): PackFile {
    const added: PackFile = { ...pack, number: this.packList.length };
    this.packList.push(added);
    this.packs.set(added.name, added);
    return added;
  }

  /** Opens packs that appeared, and scans what other instances appended to theirs. */
  private async scanForeign(): Promise<void> {
    if (this.closed) return;
    await this.listPacks();
    const checkLiveness = Date.now() - this.livenessCheckedAt >= LIVENESS_EVERY_MS;
    if (checkLiveness) this.livenessCheckedAt = Date.now();
    for (const pack of this.packs.values()) {
      if (pack.sealed || pack === this.own) continue;
      // Liveness first, size second: whatever a writer appended before it died is then scanned.
      const sealing = checkLiveness && !(await this.host.isLive(pack.instance));
      const size = (await stat(pack.path).catch(() => undefined))?.size ?? 0;
      if (size > pack.end || sealing) await this.scan(pack, size, sealing);
      if (sealing) pack.sealed = true;
    }
  }

  private async listPacks(): Promise<void> {
    const info = await stat(this.host.root, { bigint: true });
    if (this.listedMtime === info.mtimeNs) return;
    const live = new Map<string, boolean>();
    for (const name of await readdir(this.host.root)) {
      const match = PACK_NAME.exec(name);
      if (match === null || this.packs.has(name)) continue;
      const instance = match[1] as string;
      const path = join(this.host.root, name);
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) continue;
      if (!live.has(instance)) live.set(instance, await this.host.isLive(instance));
      const sealed = live.get(instance) !== true;
      const pack = this.addPack({ name, path, instance, end: 0, sealed: false });
      await this.scan(pack, info.size, sealed);
      pack.sealed = sealed;
    }
    const settled = Date.now() - Number(info.mtimeNs / 1_000_000n) > MTIME_SETTLE_MS;
    this.listedMtime = settled ? info.mtimeNs : undefined;
  }

  /** A pack no one writes to is scanned past damage; a live one only up to its first gap. */
  private async scan(pack: PackFile, size: number, sealed: boolean): Promise<void> {
    const { end } = await this.withHandle(pack, (handle) =>
      scanPack(handle, pack.end, size, (record) => this.apply(pack, record), sealed),
    );
    pack.end = end;
  }

  private async withHandle<T>(pack: PackFile, work: (handle: FileHandle) => Promise<T>): Promise<T> {
    if (pack.handle !== undefined) return work(pack.handle);
    const result = await this.readHandles.with(pack.path, work);
    if (result === undefined) {
      throw Object.assign(new Error(`share pack ${pack.name} is gone`), { code: 'ENOENT' });
    }
    return result;
  }
}
