import type { Grid } from '../grid/grid.js';
import type { StreamingUpload } from '../immutable/streaming-upload.js';
import type { UploadReport } from '../immutable/upload.js';
import type { EncryptedSpool } from './encrypted-spool.js';
import { SftpError, SftpStatus } from '../vfs/sftp-status.js';

/** Bytes read back from the spool per step when a stream starts. */
const CATCH_UP_PIECE = 256 * 1024;

/**
 * Streams a heisenfile into the grid while it is written (DESIGN §3, beyond Tahoe), so that its
 * CLOSE only codes the last segment and writes the hash lists: an SFTP upload is a run of WRITEs
 * from offset 0 to the end, and the grid takes each segment as soon as it is complete.
 *
 * The stream starts once the file reaches one segment: smaller files never open shares early,
 * and the segment size is fixed from there on (see StreamingUpload). The bytes written before
 * that went to the spool and are read back from it once.
 *
 * From then on the stream takes the appended bytes in place of the spool (`take`), which only
 * notes them (EncryptedSpool.withhold): writing them to the spool as well doubled what an upload
 * wrote to the disk. Whenever the spool needs them after all, `stop` first brings them back from
 * the stream (StreamingUpload.readBack, from the shares) and only then discards the stream:
 * before any write that is not the next append, a size change or an fsync (WriteHandle calls
 * it), when an append fails (a node died), and when `finish` fails. So the spool is whole again
 * before anything else touches it, and the commit uploads it as it always did. A read of the
 * open file is answered by the stream (`read`) and does not end it. When some node cannot read
 * a share back before its commit (no ShareWriter.readAt), the spool gets every byte as before
 * and the stream a copy (`wrote`).
 *
 * Why the result is the file's content or nothing: bytes are streamed only when they extend the
 * file at exactly the end streamed so far, and `finish` hands back an upload only when the
 * streamed length is the file's final size. Bringing the bytes back needs k intact shares of
 * every segment: a stream that loses more (or a coding failure) leaves the spool damaged, and
 * the next operation and the CLOSE fail with that error, where a spool holding every byte could
 * have been uploaded later. That, against writing every uploaded byte to the disk twice, is the
 * trade.
 *
 * Why no one reads a hole where the stream's bytes should be: the handle calls `take`, `read`,
 * `stop` and `finish` from its one serial queue, as it does every spool operation, so a stop
 * completes before the operation that needed it starts. The spool withholds bytes only after
 * the stream took them, so the stream holds every withheld byte, and readBack first waits for
 * every coded segment to reach the shares. Readers of a closed file go to its spool only when it
 * withholds nothing (WriteHandle.readWhileCommitting). And should some path still reach the
 * withheld bytes, the spool refuses it instead of answering zeros.
 */
export class SequentialUploadFeed {
  private upload: StreamingUpload | undefined;
  /** What a finished stream stored: a retried commit (the link failed) links it again. */
  private finished: { size: number; report: UploadReport } | undefined;
  private length = 0;
  private stopped = false;

  constructor(
    private readonly grid: Grid,
    private readonly spool: EncryptedSpool,
  ) {}

  /** True while segments go to the grid as they are written. */
  get streaming(): boolean {
    return this.upload !== undefined;
  }

  /**
   * While streaming: takes `data` if it is the next append, and notes it in the spool without
   * writing it there. False otherwise, or when the stream failed to take it (then stopped, the
   * bytes it held brought back): the caller writes `data` to the spool, after `stop`.
   */
  async take(offset: number, data: Uint8Array): Promise<boolean> {
    const upload = this.upload;
    if (upload === undefined || !upload.canReadBack) return false;
    // The next append of both: the stream's end and the spool's (withhold takes only that).
    if (offset !== this.length || offset !== this.spool.size) return false;
    try {
      await upload.append(data);
    } catch {
      // What the stream took of `data` before it failed is past the spool's size: stop brings
      // back only the bytes already withheld, and the caller writes all of `data`.
      await this.stop();
      return false;
    }
    await this.spool.withhold(offset, data.length);
    this.length += data.length;
    return true;
  }

  /**
   * While the spool withholds bytes: reads the file's content, all of which the stream holds
   * (from its shares and its slot), so that reading an open file does not end its stream.
   */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const upload = this.upload;
    if (upload === undefined) throw new Error('the file is not streaming');
    try {
      return await upload.readBack(offset, Math.max(0, Math.min(length, this.length - offset)));
    } catch {
      throw new SftpError(
        SftpStatus.FAILURE,
        'this part of the file is already in the grid and could not be read back (too few intact shares)',
      );
    }
  }

  /**
   * Called after the spool took `data` at `offset`, in the handle's write order: before the
   * stream starts, and while it streams to nodes that cannot read back (the spool then gets every
   * byte, and the stream a copy).
   */
  async wrote(offset: number, data: Uint8Array): Promise<void> {
    if (this.stopped) return;
    if (offset !== this.length) return this.stop();
    this.length += data.length;
    try {
      if (this.upload !== undefined) await this.upload.append(data);
      else if (this.length >= this.grid.fullSegmentSize) await this.begin();
    } catch {
      await this.stop();
    }
  }

  /**
   * The content changes in some other way than an append, or is needed: brings the bytes the
   * stream holds back into the spool, then discards the stream; the commit uploads the spool.
   * Rejects when they cannot be brought back (the spool is damaged then).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const upload = this.upload;
    this.upload = undefined;
    if (upload !== undefined) await this.bringBack(upload);
  }

  /** Restores the withheld bytes from `upload`, then discards it, whether that worked or not. */
  private async bringBack(upload: StreamingUpload): Promise<void> {
    try {
      await this.spool.restore((offset, length) => upload.readBack(offset, length));
    } finally {
      await upload.abort();
    }
  }

  /** The file is abandoned or its spool freed: the stream is discarded, nothing brought back. */
  async discard(): Promise<void> {
    this.stopped = true;
    const upload = this.upload;
    this.upload = undefined;
    await upload?.abort();
  }

  /**
   * At close: the finished upload when the stream holds exactly the file's `size` bytes, else
   * undefined (and the stream, if any, is discarded, its bytes back in the spool). A retry of a
   * commit whose link failed gets the same upload again; one whose stream failed uploads the
   * spool.
   */
  async finish(size: number): Promise<UploadReport | undefined> {
    // The spool never got the streamed bytes back, so a retry has only this to link.
    if (this.finished?.size === size) return this.finished.report;
    const upload = this.upload;
    // A stream starts only at one whole segment, so it is always long enough to finish.
    if (upload === undefined || this.stopped || this.length !== size) {
      await this.stop();
      return undefined;
    }
    this.upload = undefined;
    this.stopped = true;
    try {
      const report = await upload.finish();
      this.finished = { size, report };
      return report;
    } catch {
      // The upload from the spool says what is wrong; it needs the bytes the stream holds.
      await this.bringBack(upload).catch(() => undefined); // damaged spool: its upload says so
      return undefined;
    }
  }

  private async begin(): Promise<void> {
    const upload = await this.grid.startStreamingUpload();
    if (upload === undefined) {
      this.stopped = true;
      return;
    }
    this.upload = upload;
    if (this.stopped) return this.discard(); // stopped (abandoned) while the shares were opening
    for (let at = 0; at < this.length; at += CATCH_UP_PIECE) {
      await upload.append(await this.spool.read(at, Math.min(CATCH_UP_PIECE, this.length - at)));
    }
  }
}
