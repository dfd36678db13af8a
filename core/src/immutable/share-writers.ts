import { base32Encode } from '../util/base32.js';
import { happiness, permuteNodes } from '../storage/placement.js';
import type { PositionalSink, ShareWriter, StorageNode } from '../storage/node.js';
import { describeError, type ShareProblem } from '../grid/context.js';

/** One share being streamed to one node; `failed` once its node let it down. */
export interface OutgoingShare {
  readonly shnum: number;
  readonly node: StorageNode;
  writer: ShareWriter | undefined;
  failed: boolean;
}

/**
 * Streams n shares to nodes chosen on the permuted ring of the storage index. A node that fails
 * to open a share hands it to the next node on the ring; a node that fails mid-stream loses that
 * share (its earlier blocks are gone) and the upload goes on while it can still reach `happy`
 * distinct nodes, as Tahoe's encoder does. Lost shares come back through repair.
 */
export class ShareFanout {
  readonly problems: ShareProblem[] = [];

  private constructor(readonly shares: OutgoingShare[]) {}

  static async open(nodes: readonly StorageNode[], si: Uint8Array, n: number): Promise<ShareFanout> {
    const ring = permuteNodes(si, nodes);
    const siText = base32Encode(si);
    const dead = new Set<string>();
    const fanout = new ShareFanout([]);
    for (let shnum = 0; shnum < n; shnum++) {
      for (let attempt = 0; attempt < ring.length; attempt++) {
        const node = ring[(shnum + attempt) % ring.length] as StorageNode;
        if (dead.has(node.id)) continue;
        try {
          const writer = await node.createShare(siText, shnum);
          fanout.shares.push({ shnum, node, writer, failed: false });
          break;
        } catch (error) {
          dead.add(node.id);
          fanout.problems.push({ nodeId: node.id, shnum, reason: describeError(error) });
        }
      }
    }
    return fanout;
  }

  get live(): OutgoingShare[] {
    return this.shares.filter((share) => !share.failed);
  }

  happiness(): number {
    return happiness(this.live.map((share) => ({ shnum: share.shnum, nodeId: share.node.id })));
  }

  /** Appends one piece to every live share at once; a failing share is dropped, not fatal. */
  writeAll(pieceFor: (shnum: number) => Uint8Array): Promise<void> {
    return this.eachLive((writer, share) => writer.write(pieceFor(share.shnum)));
  }

  /**
   * Every live share's file, lent for writing from other threads (ShareWriter.positionalSink); or
   * undefined, lending none, when any share cannot or would rather not lend. A share that fails
   * meanwhile is dropped, as in writeAll.
   */
  async lendSinks(expectedBytes: number): Promise<Map<OutgoingShare, PositionalSink> | undefined> {
    if (!this.live.every((share) => share.writer?.positionalSink !== undefined)) return undefined;
    const sinks = new Map<OutgoingShare, PositionalSink>();
    let declined = false;
    await this.eachLive(async (writer, share) => {
      const sink = await writer.positionalSink?.(expectedBytes);
      if (sink === undefined) declined = true;
      else sinks.set(share, sink);
    });
    if (!declined) return sinks;
    await Promise.all([...sinks.values()].map((sink) => sink.release()));
    return undefined;
  }

  /** Whether every share can be written in place (ShareWriter.writeAt). */
  get canWriteAt(): boolean {
    return this.shares.every((share) => share.writer?.writeAt !== undefined);
  }

  /** Replaces bytes at `offset` of every live share, as writeAll appends (see canWriteAt). */
  writeAtAll(offset: number, pieceFor: (shnum: number) => Uint8Array): Promise<void> {
    return this.eachLive(async (writer, share) => {
      if (writer.writeAt === undefined) throw new Error('this storage node cannot write in place');
      await writer.writeAt(offset, pieceFor(share.shnum));
    });
  }

  private async eachLive(step: (writer: ShareWriter, share: OutgoingShare) => Promise<void>): Promise<void> {
    await Promise.all(
      this.live.map(async (share) => {
        try {
          await step(share.writer as ShareWriter, share);
        } catch (error) {
          await this.fail(share, error);
        }
      }),
    );
  }

  commitAll(): Promise<void> {
    return this.eachLive((writer) => writer.commit());
  }

  async abortAll(): Promise<void> {
    await Promise.all(this.shares.map(async (share) => share.writer?.abort().catch(() => undefined)));
  }

  /** Removes shares that were committed by an upload that then failed as a whole. */
  async deleteCommitted(si: Uint8Array): Promise<void> {
    const siText = base32Encode(si);
    await Promise.all(
      this.live.map((share) => share.node.deleteShare(siText, share.shnum).catch(() => undefined)),
    );
  }

  /** Drops a share whose node let it down (reported in `problems`), as a failing write does. */
  async fail(share: OutgoingShare, error: unknown): Promise<void> {
    // Several writes may be in flight to one share (SegmentPipeline): the first failure counts.
    if (share.failed) return;
    share.failed = true;
    this.problems.push({ nodeId: share.node.id, shnum: share.shnum, reason: describeError(error) });
    await share.writer?.abort().catch(() => undefined);
  }
}
