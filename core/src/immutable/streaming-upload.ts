import { chkAesKey, chkStorageIndex } from '../caps/derive.js';
import { HASH_LENGTH } from '../crypto/hash.js';
import type { GridContext } from '../grid/context.js';
import { base32Encode } from '../util/base32.js';
import { randomReadKey } from './convergence.js';
import { fullSegmentSize, paramsFor, roundUp } from './params.js';
import { decodeSegment } from './segment-codec.js';
import { SegmentPipeline, ensureHappy } from './segment-pipeline.js';
import { CHK_HEADER_LENGTH, encodeChkHeader } from './share-layout.js';
import { ShareFanout, type OutgoingShare } from './share-writers.js';
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
  private state: 'open' | 'finishing' | 'failed' | 'done' | 'aborted' = 'open';
  /** `finish` committed the shares (a failure after that leaves them for readBack; abort deletes them). */
  private committed = false;
  /** The last segment read back: a restore's pieces do not line up with segments. */
  private lastRead: { segment: number; plain: Uint8Array } | undefined;

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
    // Lending drops a share that fails meanwhile rather than throwing (ShareFanout.lendSinks).
    const pipeline = await SegmentPipeline.open(ctx, fanout, {
      aesKey: chkAesKey(key),
      k,
      n,
      segmentSize,
      depth: STREAM_DEPTH,
      keepReadable: true,
      // It finishes with a whole segment at least (see the class).
      expectedShareBytes: segmentSize / k,
    });
    return new StreamingUpload(ctx, key, fanout, pipeline, segmentSize);
  }

  /** Bytes appended so far. */
  get length(): number {
    return this.total;
  }

  /** Whether every share can be read back before it is committed (ShareWriter.readAt). */
  get canReadBack(): boolean {
    return this.fanout.shares.every((share) => share.writer?.readAt !== undefined);
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
   * The plaintext of [offset, offset + length), all of it appended before: what the workers coded
   * is read back from the shares, each block checked against the hash computed when it was coded
   * and the segment rebuilt from any k good ones; what is still in the slot being filled comes
   * from there. For the spool that left these bytes to the stream (SequentialUploadFeed) and
   * needs them after all. Works until `abort`, also after the upload or its finish failed, while
   * k good shares of every segment remain; throws otherwise.
   */
  async readBack(offset: number, length: number): Promise<Uint8Array> {
    if (this.state === 'aborted' || this.state === 'done')
      throw new Error(`the streaming upload is ${this.state}`);
    if (offset < 0 || length < 0 || offset + length > this.total)
      throw new RangeError(`readBack ${offset}+${length} is past the ${this.total} bytes appended`);
    await this.pipeline.settle();
    const out = new Uint8Array(length);
    const coded = this.total - this.filled; // bytes of the dispatched segments
    for (let at = offset; at < offset + length;) {
      const segment = Math.floor(at / this.segmentSize);
      const start = segment * this.segmentSize;
      const plain =
        at >= coded ? (this.slot as Uint8Array).subarray(0, this.filled) : await this.segmentPlain(segment);
      const take = Math.min(offset + length, start + plain.length) - at;
      copyBytes(out, plain.subarray(at - start, at - start + take), at - offset);
      at += take;
    }
    return out;
  }

  private async segmentPlain(segment: number): Promise<Uint8Array> {
    if (this.lastRead?.segment === segment) return this.lastRead.plain;
    const plain = await this.readSegment(segment);
    this.lastRead = { segment, plain };
    return plain;
  }

  private async readSegment(segment: number): Promise<Uint8Array> {
    const coded = this.pipeline.codedSegment(segment);
    if (coded === undefined)
      throw new Error(`segment ${segment} of the streaming upload never reached its shares`);
    const { k, n } = this.ctx.encoding;
    const blockSize = roundUp(coded.length, k) / k;
    // Blocks sit back to back after the header; every segment before this one is a whole one.
    const position = CHK_HEADER_LENGTH + segment * (this.segmentSize / k);
    const blocks = new Array<Uint8Array | undefined>(n);
    const expected = new Array<Uint8Array | undefined>(n);
    await Promise.all(
      this.fanout.shares.map(async (share) => {
        const block = await this.readBlock(share, position, blockSize).catch(() => undefined);
        if (block === undefined) return;
        blocks[share.shnum] = block;
        expected[share.shnum] = coded.blockHashes.subarray(
          share.shnum * HASH_LENGTH,
          (share.shnum + 1) * HASH_LENGTH,
        );
      }),
    );
    const crypto = {
      aesKey: chkAesKey(this.key),
      iv: new Uint8Array(16),
      offset: segment * this.segmentSize,
    };
    // A block that fails its hash is dropped and the segment decoded from the others.
    for (;;) {
      const decoded = decodeSegment({
        blocks,
        expectedBlockHashes: expected,
        expectedSegmentHash: coded.segmentHash,
        k,
        n,
        segmentLength: coded.length,
        crypto,
      });
      if (decoded.ok) return decoded.data;
      if (decoded.badBlocks.length === 0)
        throw new Error(
          `segment ${segment} of the streaming upload cannot be read back: ${
            decoded.segmentMismatch ? 'its blocks disagree' : `fewer than ${k} of its shares are intact`
          }`,
        );
      for (const bad of decoded.badBlocks) {
        blocks[bad] = undefined;
        expected[bad] = undefined;
      }
    }
  }

  /** A block from a share still being written, or from one that `finish` already committed. */
  private async readBlock(
    share: OutgoingShare,
    position: number,
    length: number,
  ): Promise<Uint8Array | undefined> {
    if (share.failed) return undefined;
    const writer = share.writer;
    if (writer?.readAt !== undefined) {
      const bytes = await writer.readAt(position, length).catch(() => undefined);
      if (bytes !== undefined) return bytes;
    }
    return share.node.readShare(base32Encode(chkStorageIndex(this.key)), share.shnum, position, length);
  }

  /**
   * The file ends here: codes the last segment, appends the hash lists and the UEB, writes the
   * real headers and commits every share. Needs at least `segmentSize` bytes (see the class).
   * When it fails, what was written stays for `readBack` until the caller calls `abort`.
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
      await this.pipeline.close();
      await this.fanout.writeAtAll(0, (shnum) => encodeChkHeader({ shnum, params }));
      ensureHappy(this.ctx, this.fanout);
      await this.fanout.commitAll();
      this.committed = true;
      // Checked here rather than by uploadReport, which deletes the shares at once: readBack
      // may still need them.
      ensureHappy(this.ctx, this.fanout);
      const report = await uploadReport(this.ctx, this.fanout, this.key, params, ueb);
      this.state = 'done';
      return report;
    } catch (error) {
      this.state = 'failed';
      throw error;
    }
  }

  /** Drops every share written so far; safe at any time and twice. */
  async abort(): Promise<void> {
    if (this.state === 'done') return;
    this.state = 'aborted';
    if (this.slot !== undefined) this.pipeline.release(this.slot);
    this.slot = undefined;
    await this.pipeline.close();
    await this.fanout.abortAll();
    if (this.committed) await this.fanout.deleteCommitted(chkStorageIndex(this.key));
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
