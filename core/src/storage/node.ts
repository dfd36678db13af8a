/**
 * The one small interface every storage backend implements (DESIGN §2). A node stores opaque
 * share bytes under (storage index, share number); it never sees keys or plaintext and never
 * parses a share, so a node can be a local folder, an SFTP server or an object store.
 */

/** Lower-case base32 text of a 16-byte storage index. */
export type StorageIndexText = string;

export type StorageNodeKind = 'local' | 'sftp' | 's3' | 'memory';

export interface ShareInfo {
  readonly shnum: number;
  readonly size: number;
}

export interface NodeSpace {
  /** Bytes the backing store holds in all (the whole filesystem for a local folder). */
  readonly totalBytes: number;
  /** Bytes still available for new shares. */
  readonly freeBytes: number;
  /** Bytes taken by this node's shares. */
  readonly usedBytes: number;
  /**
   * Names the store the free space belongs to (a filesystem, a bucket). Nodes on one disk share
   * its free space; the grid counts each volume's free space once instead of once per node.
   */
  readonly volume?: string;
}

/** A share being written: chunks are appended in order; nothing is visible before commit. */
export interface ShareWriter {
  /**
   * Appends a chunk, which stays unchanged until the promise settles. Writes land in the order
   * they are called, also when one is called before the previous one settled (an upload keeps
   * several in flight).
   */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Optional: replaces bytes already written, in place. A streaming upload writes a placeholder
   * header first and the real one (which holds the file size) last. A node that cannot (an object
   * store streaming a multipart upload) leaves it out, and such uploads take the spool-first path.
   */
  writeAt?(offset: number, bytes: Uint8Array): Promise<void>;
  /**
   * Optional: reads back bytes written so far, after every earlier write, while the share is
   * still open. A streaming upload reads a file's streamed content back from its shares when the
   * file's spool, which left those bytes to the stream, needs them after all.
   */
  readAt?(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: lends the share's file to another thread, which writes blocks at known offsets
   * itself (the upload's workers write each coded block straight from their own memory; see
   * SegmentPipeline). Resolves after every earlier write; undefined when the share is better kept
   * as it is (it would stay small enough to be held in memory and packed). `expectedBytes` is how
   * much the caller means to write through the sink, at least.
   */
  positionalSink?(expectedBytes: number): Promise<PositionalSink | undefined>;
  /** Makes the share durable and visible atomically (replacing any previous share). Not while a sink is lent. */
  commit(): Promise<void>;
  /** Drops everything written; safe to call after a failed write or twice. */
  abort(): Promise<void>;
}

/**
 * A share file lent to other threads (ShareWriter.positionalSink). The writer keeps the file
 * descriptor open until `release`, even when the share is aborted meanwhile, so that a thread
 * still writing never writes to a descriptor that was closed and perhaps reused for another file.
 */
export interface PositionalSink {
  readonly fd: number;
  /** Share offset of the sink's byte 0: the bytes written before it was lent. */
  readonly base: number;
  /**
   * The caller wrote sink bytes up to `end` (exclusive; earlier ones may still be in flight): an
   * append through `write` goes after the furthest end reported. Throws, as `write` would reject,
   * once the share failed or was aborted.
   */
  wrote(end: number): void;
  /** A write through the sink failed: the share fails as if `write` had thrown; returns its error. */
  failed(error: unknown): Error;
  /**
   * Done with the descriptor (once, after every write through it settled). Resolves once the
   * writer is done with it too: closed, when the share was aborted meanwhile.
   */
  release(): Promise<void>;
}

/**
 * A test vector for a mutable share: the write goes ahead only if the current share's bytes at
 * `offset` equal `expected` (Tahoe's test-and-set). `'absent'` demands that no share exists.
 */
export type ShareTest = { readonly offset: number; readonly expected: Uint8Array } | 'absent';

export type TestAndSetResult =
  | { readonly ok: true }
  /** `current` holds the current bytes at the tested range, or null when there is no share. */
  | { readonly ok: false; readonly current: Uint8Array | null };

export interface StorageNode {
  /** Stable id, unique in the grid; also keys the permuted ring. */
  readonly id: string;
  readonly kind: StorageNodeKind;
  /** Where it is, for people (a folder path, a URL); never a secret. */
  readonly location: string;

  /** Starts writing an immutable share (replacing an existing one only at commit). */
  createShare(si: StorageIndexText, shnum: number): Promise<ShareWriter>;
  /** Up to `length` bytes from `offset`; shorter at the end of the share. Throws ShareNotFoundError. */
  readShare(si: StorageIndexText, shnum: number, offset: number, length: number): Promise<Uint8Array>;
  /**
   * As readShare, but into the caller's buffer (up to target.length bytes); returns how many bytes
   * were read. Optional: a reader uses it when present to stream without allocating per block.
   * Only for immutable shares, whose bytes never change: a node may serve it from a file it
   * opened for an earlier block (LocalDirectoryNode does).
   */
  readShareInto?(si: StorageIndexText, shnum: number, offset: number, target: Uint8Array): Promise<number>;
  /** The shares this node holds for a storage index (empty when none). */
  listShares(si: StorageIndexText): Promise<ShareInfo[]>;
  /** Removes a share; removing a missing share is not an error. */
  deleteShare(si: StorageIndexText, shnum: number): Promise<void>;
  /** Atomically replaces a mutable share with `data` if `test` holds. */
  testAndSetShare(
    si: StorageIndexText,
    shnum: number,
    test: ShareTest,
    data: Uint8Array,
  ): Promise<TestAndSetResult>;
  /** Every storage index this node holds shares for (for repair sweeps and usage). */
  listStorageIndexes(): AsyncIterable<StorageIndexText>;
  space(): Promise<NodeSpace>;
  close(): Promise<void>;
}

export class StorageNodeError extends Error {
  constructor(
    readonly nodeId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`storage node ${nodeId}: ${message}`, options);
    this.name = 'StorageNodeError';
  }
}

export class ShareNotFoundError extends StorageNodeError {
  constructor(nodeId: string, si: StorageIndexText, shnum: number) {
    super(nodeId, `no share ${shnum} of ${si.slice(0, 8)}…`);
    this.name = 'ShareNotFoundError';
  }
}

export class StorageFullError extends StorageNodeError {
  constructor(nodeId: string, options?: { cause?: unknown }) {
    super(nodeId, 'no space left', options);
    this.name = 'StorageFullError';
  }
}
