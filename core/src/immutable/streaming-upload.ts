import { chkAesKey, chkStorageIndex } from '../caps/derive.js';
import type { GridContext } from '../grid/context.js';
import { randomReadKey } from './convergence.js';
import { fullSegmentSize, paramsFor } from './params.js';
import { SegmentPipeline, ensureHappy } from './segment-pipeline.js';
import { CHK_HEADER_LENGTH, encodeChkHeader } from './share-layout.js';
import { ShareFanout } from './share-writers.js';
import { uploadReport, type UploadReport } from './upload.js';
import { copyBytes } from '../util/shared-copy.js';

/** Segments coded or written at once per streaming upload (each slot: a segment and its n blocks). */
const STREAM_DEPTH = 4;

/**
 * An immutable upload fed while the file's size is still unknown: a client writing a file from
 * start to end (DESIGN §3: "a sequential writer streams segments into the grid while it writes,
 * so close has little left to do").
 *
 * Why this makes the very shares `uploadImmutable` would make for the same key and bytes: once a
 * file has at least one whole segment, its segment size no longer depends on its size
 * (`encodingParams` caps it), and neither does any block nor its place in a share, since blocks
 * sit back to back after a fixed-length header (ShareBodyLayout). What depends on the size, the
 * header, the last segment's shorter blocks, the hash lists and the UEB, is written by `finish`;
 * the header goes last, in place of the zeros written first (ShareWriter.writeAt). So a
 * streaming upload can only finish with at least `segmentSize` bytes; with fewer, the caller
 * uploads the ordinary way.
 *
 * The key is random: a convergent key would need the whole content before the first byte is
 * encrypted. Files written this way do not deduplicate (DESIGN §2 allows either key).
 */
export class StreamingUpload {
  private slot: Uint8Array | undefined;
  private filled = 0;
  private total = 0;
  private state: 'open' | 'finishing' | 'done' | 'aborted' = 'open';

  private constructor(
    private readonly ctx: GridContext,
    private readonly key: Uint8Array,
    private readonly fanout: ShareFanout,
    private readonly pipeline: SegmentPipeline,
    readonly segmentSize: number,
  ) {}

  /**
   * Opens the shares, or returns undefined when a storage node cannot write in place (the caller
   * then uploads from its spool at close). Throws when the nodes cannot take the shares at all.
   */
  static async start(ctx: GridContext): Promise<StreamingUpload | undefined> {
    const { k, n } = ctx.encoding;
    const segmentSize = fullSegmentSize(ctx.encoding, ctx.maxSegmentSize);
    const key = randomReadKey();
    const fanout = await ShareFanout.open(ctx.nodes, chkStorageIndex(key), n);
    try {
      if (!fanout.canWriteAt) {
        await fanout.abortAll();
        return undefined;
      }
      await fanout.writeAll(() => new Uint8Array(CHK_HEADER_LENGTH));
      ensureHappy(ctx, fanout);
    } catch (error) {
      await fanout.abortAll();
      throw error;
    }
    const pipeline = new SegmentPipeline(ctx, fanout, {
      aesKey: chkAesKey(key),
      k,
      n,
      segmentSize,
      depth: STREAM_DEPTH,
    });
    return new StreamingUpload(ctx, key, fanout, pipeline, segmentSize);
  }

  /** Bytes appended so far. */
  get length(): number {
    return this.total;
  }

  /**
   * Appends the file's next bytes (copied: the caller may reuse `data`). Waits while every slot
   * is busy, which slows the writer down to what the grid takes; throws once the upload failed.
   */
  async append(data: Uint8Array): Promise<void> {
    let at = 0;
    while (at < data.length) {
      this.assertOpen();
      if (this.pipeline.failed) await this.pipeline.drain();
      if (this.slot === undefined) {
        const slot = await this.pipeline.acquire();
        if (this.state !== 'open') {
          this.pipeline.release(slot);
          this.assertOpen();
        }
        this.slot = slot;
      }
      const take = Math.min(data.length - at, this.segmentSize - this.filled);
      copyBytes(this.slot, data.subarray(at, at + take), this.filled);
      this.filled += take;
      this.total += take;
      at += take;
      if (this.filled === this.segmentSize) this.dispatchSlot();
    }
  }

  /**
   * The file ends here: codes the last segment, appends the hash lists and the UEB, writes the
   * real headers and commits every share. Needs at least `segmentSize` bytes (see the class).
   */
  async finish(): Promise<UploadReport> {
    this.assertOpen();
    if (this.total < this.segmentSize)
      throw new RangeError(`a streaming upload needs at least ${this.segmentSize} bytes, got ${this.total}`);
    this.state = 'finishing';
    try {
      if (this.filled > 0) this.dispatchSlot();
      else if (this.slot !== undefined) this.pipeline.release(this.slot);
      this.slot = undefined;
      const { k, n } = this.ctx.encoding;
      const params = paramsFor(this.total, k, n, this.segmentSize);
      const ueb = await this.pipeline.appendHashes(params);
      await this.fanout.writeAtAll(0, (shnum) => encodeChkHeader({ shnum, params }));
      ensureHappy(this.ctx, this.fanout);
      await this.fanout.commitAll();
      const report = await uploadReport(this.ctx, this.fanout, this.key, params, ueb);
      this.state = 'done';
      return report;
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** Drops every share written so far; safe at any time and twice. */
  async abort(): Promise<void> {
    if (this.state === 'done') return;
    this.state = 'aborted';
    if (this.slot !== undefined) this.pipeline.release(this.slot);
    this.slot = undefined;
    await this.pipeline.drain().catch(() => undefined);
    await this.fanout.abortAll();
  }

  private dispatchSlot(): void {
    const slot = this.slot;
    if (slot === undefined) return;
    this.pipeline.dispatch(slot, this.filled);
    this.slot = undefined;
    this.filled = 0;
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new Error(`the streaming upload is ${this.state}`);
  }
}
