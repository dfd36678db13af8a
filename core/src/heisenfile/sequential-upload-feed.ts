import type { Grid } from '../grid/grid.js';
import type { StreamingUpload } from '../immutable/streaming-upload.js';
import type { UploadReport } from '../immutable/upload.js';
import type { EncryptedSpool } from './encrypted-spool.js';

/** Bytes read back from the spool per step when a stream starts. */
const CATCH_UP_PIECE = 256 * 1024;

/**
 * Streams a heisenfile into the grid while it is written (DESIGN §3, beyond Tahoe), so that its
 * CLOSE only codes the last segment and writes the hash lists: an SFTP upload is a run of WRITEs
 * from offset 0 to the end, and the grid takes each segment as soon as it is complete.
 *
 * The spool still receives every byte first: it answers reads of the open file, and it is the
 * fallback. Why the result is the file's content or nothing: bytes are streamed only when they
 * extend the file at exactly the end streamed so far; any other write, a size change, an fsync or
 * content from elsewhere calls `stop`, which discards the stream, and `finish` hands back an
 * upload only when the streamed length is the file's final size. Otherwise the commit uploads
 * the spool as it always did. A stream that fails (a node dies) is discarded the same way, never
 * failing the client's WRITE; the commit from the spool then reports what is wrong.
 *
 * The stream starts once the file reaches one segment: smaller files never open shares early,
 * and the segment size is fixed from there on (see StreamingUpload). The bytes written before
 * that are read back from the spool once.
 */
export class SequentialUploadFeed {
  private upload: StreamingUpload | undefined;
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

  /** Called after the spool took `data` at `offset`, in the handle's write order. */
  async wrote(offset: number, data: Uint8Array): Promise<void> {
    if (this.stopped) return;
    if (offset !== this.length) return this.stop();
    this.length += data.length;
    try {
      if (this.upload !== undefined) {
        await this.upload.append(data);
      } else if (this.length >= this.grid.fullSegmentSize) {
        await this.begin();
      }
    } catch {
      await this.stop();
    }
  }

  /** The content changed in some other way than an append: the commit uploads the spool. */
  async stop(): Promise<void> {
    this.stopped = true;
    const upload = this.upload;
    this.upload = undefined;
    await upload?.abort();
  }

  /**
   * At close: the finished upload when the stream holds exactly the file's `size` bytes, else
   * undefined (and the stream, if any, is discarded). Used once: a retry uploads the spool.
   */
  async finish(size: number): Promise<UploadReport | undefined> {
    const upload = this.upload;
    // A stream starts only at one whole segment, so it is always long enough to finish.
    if (upload === undefined || this.stopped || this.length !== size) {
      await this.stop();
      return undefined;
    }
    this.upload = undefined;
    this.stopped = true;
    try {
      return await upload.finish();
    } catch {
      return undefined; // finish discarded its shares; the upload from the spool says what is wrong
    }
  }

  private async begin(): Promise<void> {
    const upload = await this.grid.startStreamingUpload();
    if (upload === undefined) {
      this.stopped = true;
      return;
    }
    this.upload = upload;
    if (this.stopped) return this.stop(); // stopped (abandoned) while the shares were opening
    for (let at = 0; at < this.length; at += CATCH_UP_PIECE) {
      await upload.append(await this.spool.read(at, Math.min(CATCH_UP_PIECE, this.length - at)));
    }
  }
}
