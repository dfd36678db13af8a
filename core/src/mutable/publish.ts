import { randomBytes } from 'node:crypto';
import { ed25519Sign } from '../crypto/ed25519.js';
import { HASH_LENGTH } from '../crypto/hash.js';
import { merkleRoot } from '../merkle/hash-tree.js';
import { encodingParams } from '../immutable/params.js';
import type { EncodedSegment } from '../immutable/segment-codec.js';
import { happiness, permuteNodes } from '../storage/placement.js';
import type { ShareTest, StorageNode } from '../storage/node.js';
import { concatBytes } from '../util/bytes.js';
import { describeError, UploadError, type GridContext, type ShareProblem } from '../grid/context.js';
import type { MutableWriteKeys } from './keys.js';
import { versionAesKey } from './keys.js';
import type { ServerMap } from './servermap.js';
import {
  encodeMutableHeader,
  signedBytes,
  VERSION_TEST_OFFSET,
  type MutableVersion,
} from './share-format.js';

/**
 * Mutable versions are built whole in memory: mutable files are for small, often-changed data
 * (directories above all); big files are immutable and stream. This bound keeps that promise.
 */
export const MAX_MUTABLE_SIZE = 64 * 1024 * 1024;

const ZERO_IV = new Uint8Array(16);

export type PublishOutcome =
  | {
      readonly ok: true;
      readonly placements: ReadonlyArray<{ shnum: number; nodeId: string }>;
      readonly problems: readonly ShareProblem[];
      /** The version now published (to remember it: see VersionCache). */
      readonly version: MutableVersion;
    }
  /** Another writer replaced a share first: the caller maps again and retries on the newer version. */
  | { readonly ok: false; readonly problems: readonly ShareProblem[] };

interface Slot {
  readonly shnum: number;
  readonly node: StorageNode;
  readonly test: ShareTest;
}

/** Encodes `content` as version `seq`, signed, into n complete share images. */
async function buildShares(
  ctx: GridContext,
  keys: MutableWriteKeys,
  content: Uint8Array,
  seq: number,
): Promise<{ images: Uint8Array[]; version: MutableVersion }> {
  if (content.length > MAX_MUTABLE_SIZE) {
    throw new RangeError(
      `a mutable file holds at most ${MAX_MUTABLE_SIZE} bytes; store bigger files as immutable files`,
    );
  }
  const params = encodingParams(content.length, ctx.encoding, ctx.maxSegmentSize);
  const salt = new Uint8Array(randomBytes(16));
  const aesKey = versionAesKey(keys.readKey, salt);
  const encoded: EncodedSegment[] = await Promise.all(
    Array.from({ length: params.numSegments }, (_, s) => {
      const start = s * params.segmentSize;
      return ctx.work.encode({
        plaintext: content.slice(start, Math.min(content.length, start + params.segmentSize)),
        aesKey,
        iv: ZERO_IV,
        offset: start,
        k: params.k,
        n: params.n,
        blockSize: s === params.numSegments - 1 ? params.tailBlockSize : params.blockSize,
      });
    }),
  );
  const blockLeaves = (shnum: number): Uint8Array[] =>
    encoded.map((segment) => segment.blockHashes.subarray(shnum * HASH_LENGTH, (shnum + 1) * HASH_LENGTH));
  const shareLeaves = Array.from({ length: params.n }, (_, shnum) => merkleRoot(blockLeaves(shnum)));
  const segmentHashes = encoded.map((segment) => segment.segmentHash);
  const version = {
    seq,
    shareRoot: merkleRoot(shareLeaves),
    crypttextRoot: merkleRoot(segmentHashes),
    salt,
    params,
    publicKey: keys.publicKey,
  };
  const signature = ed25519Sign(
    keys.privateKey,
    signedBytes(keys.storageIndex, encodeMutableHeader(0, version)),
  );
  const commonTail = concatBytes([...segmentHashes, ...shareLeaves]);
  const images = Array.from({ length: params.n }, (_, shnum) =>
    concatBytes([
      encodeMutableHeader(shnum, version, signature),
      ...encoded.map((segment) => segment.blocks[shnum] as Uint8Array),
      ...blockLeaves(shnum),
      commonTail,
    ]),
  );
  return { images, version: { ...version, signature } };
}

/** Where each share goes: over every existing copy (tested against what it holds), else on the ring. */
function planSlots(ctx: GridContext, keys: MutableWriteKeys, map: ServerMap, n: number): Slot[] {
  const slots: Slot[] = [];
  for (const share of map.shares) {
    if (share.shnum < n)
      slots.push({
        shnum: share.shnum,
        node: share.node,
        test: { offset: VERSION_TEST_OFFSET, expected: share.versionTag },
      });
  }
  for (const share of map.unreadable) {
    if (share.shnum < n && share.current !== null) {
      slots.push({
        shnum: share.shnum,
        node: share.node,
        test: { offset: VERSION_TEST_OFFSET, expected: share.current },
      });
    }
  }
  const ring = permuteNodes(keys.storageIndex, ctx.nodes);
  const held = new Set(slots.map((slot) => slot.shnum));
  for (let shnum = 0; shnum < n; shnum++) {
    if (!held.has(shnum))
      slots.push({ shnum, node: ring[shnum % ring.length] as StorageNode, test: 'absent' });
  }
  return slots.sort((a, b) => a.shnum - b.shnum);
}

/**
 * Writes a new version with test-and-set on every share. The first share is written alone: two
 * writers that mapped the same version race there first, exactly one wins it, and the loser
 * stops before it has overwritten anything else (so a lost race costs nothing but a retry).
 * The rest go out in parallel. A share whose node fails is moved to the next free node on the ring.
 */
export async function publishVersion(
  ctx: GridContext,
  keys: MutableWriteKeys,
  content: Uint8Array,
  seq: number,
  map: ServerMap,
): Promise<PublishOutcome> {
  const { images: shares, version } = await buildShares(ctx, keys, content, seq);
  const slots = planSlots(ctx, keys, map, shares.length);
  const problems: ShareProblem[] = [];
  const placed: Array<{ shnum: number; nodeId: string }> = [];
  const dead = new Set<string>();
  let conflict = false;

  const write = async (slot: Slot): Promise<void> => {
    try {
      const result = await slot.node.testAndSetShare(
        keys.siText,
        slot.shnum,
        slot.test,
        shares[slot.shnum] as Uint8Array,
      );
      if (result.ok) placed.push({ shnum: slot.shnum, nodeId: slot.node.id });
      else conflict = true;
    } catch (error) {
      dead.add(slot.node.id);
      problems.push({ nodeId: slot.node.id, shnum: slot.shnum, reason: describeError(error) });
    }
  };
  const [first, ...rest] = slots;
  if (first !== undefined) await write(first);
  if (conflict) return { ok: false, problems };
  await Promise.all(rest.map(write));
  if (conflict) return { ok: false, problems };

  // Shares that found no home go to the least-loaded live nodes, each new there.
  const missing = Array.from({ length: shares.length }, (_, i) => i).filter(
    (shnum) => !placed.some((p) => p.shnum === shnum),
  );
  const ring = permuteNodes(keys.storageIndex, ctx.nodes).filter((node) => !dead.has(node.id));
  for (const shnum of missing) {
    for (const node of [...ring].sort((a, b) => countOn(placed, a.id) - countOn(placed, b.id))) {
      await write({ shnum, node, test: 'absent' });
      if (conflict || placed.some((p) => p.shnum === shnum)) break;
    }
    if (conflict) return { ok: false, problems };
  }
  const achieved = happiness(placed);
  const needed = Math.min(ctx.encoding.happy, shares.length);
  if (achieved < needed) {
    throw new UploadError(
      `publish failed: the new version reached only ${achieved} distinct storage node(s) but ${needed} are required`,
      problems,
    );
  }
  return { ok: true, placements: placed, problems, version };
}

function countOn(placed: ReadonlyArray<{ nodeId: string }>, nodeId: string): number {
  return placed.filter((p) => p.nodeId === nodeId).length;
}
