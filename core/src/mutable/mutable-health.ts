import type { MutableReadCap, MutableVerifyCap, MutableWriteCap } from '../caps/cap.js';
import { mutableVerifyCap } from '../caps/derive.js';
import { HASH_LENGTH } from '../crypto/hash.js';
import { merkleRoot } from '../merkle/hash-tree.js';
import { blockLength } from '../immutable/params.js';
import type { CheckReport, RepairReport, VerifiedShare, VerifyReport } from '../immutable/health.js';
import { happiness, permuteNodes } from '../storage/placement.js';
import type { ShareTest, StorageNode } from '../storage/node.js';
import { base32Encode } from '../util/base32.js';
import { bytesEqual, concatBytes } from '../util/bytes.js';
import { describeError, NotEnoughSharesError, type GridContext, type ShareProblem } from '../grid/context.js';
import {
  bestVersion,
  mapServers,
  type MappedShare,
  type RecoverableVersion,
  type ServerMap,
} from './servermap.js';
import { encodeMutableHeader, mutableLayout, VERSION_TEST_OFFSET } from './share-format.js';

type AnyMutableCap = MutableReadCap | MutableWriteCap | MutableVerifyCap;

interface Mapped {
  readonly storageIndex: Uint8Array;
  readonly siText: string;
  readonly map: ServerMap;
  readonly best: RecoverableVersion | undefined;
}

async function mapOf(ctx: GridContext, cap: AnyMutableCap): Promise<Mapped> {
  const verify = cap.kind === 'mutable-verify' ? cap : mutableVerifyCap(cap);
  const siText = base32Encode(verify.storageIndex);
  const map = await mapServers(ctx.nodes, verify.storageIndex, siText, verify.fingerprint);
  return { storageIndex: verify.storageIndex, siText, map, best: bestVersion(map) };
}

function report(
  ctx: GridContext,
  mapped: Mapped,
  good: readonly MappedShare[],
  shares: readonly VerifiedShare[],
): VerifyReport {
  const n = mapped.best?.version.params.n ?? ctx.encoding.n;
  const k = mapped.best?.version.params.k ?? ctx.encoding.k;
  const placements = good.map((s) => ({ shnum: s.shnum, nodeId: s.node.id }));
  const found = new Set(placements.map((p) => p.shnum)).size;
  const happy = happiness(placements);
  const problems: ShareProblem[] = [
    ...mapped.map.problems,
    ...shares
      .filter((s) => !s.ok && !mapped.map.problems.some((p) => p.nodeId === s.nodeId && p.shnum === s.shnum))
      .map((s) => ({ nodeId: s.nodeId, shnum: s.shnum, reason: s.reason ?? 'bad' })),
  ];
  return {
    sharesFound: found,
    sharesNeeded: k,
    sharesTotal: n,
    happiness: happy,
    healthy: found === n && happy >= Math.min(ctx.encoding.happy, n),
    recoverable: found >= k,
    placements,
    problems,
    shares,
    intact: found === n && shares.every((s) => s.ok) && problems.length === 0,
  };
}

export async function checkMutable(ctx: GridContext, cap: AnyMutableCap): Promise<CheckReport> {
  const mapped = await mapOf(ctx, cap);
  const good = mapped.best?.shares ?? [];
  const shares = [
    ...mapped.map.shares.map((s) => ({
      shnum: s.shnum,
      nodeId: s.node.id,
      ok: good.includes(s),
      ...(good.includes(s) ? {} : { reason: `older version ${s.version.seq}` }),
    })),
    ...mapped.map.unreadable.map((s) => ({
      shnum: s.shnum,
      nodeId: s.node.id,
      ok: false,
      reason: 'unreadable',
    })),
  ];
  const { intact: _intact, shares: _shares, ...checked } = report(ctx, mapped, good, shares);
  return checked;
}

/** Reads every block of every share of the best version and checks it against the signed roots. */
export async function verifyMutable(ctx: GridContext, cap: AnyMutableCap): Promise<VerifyReport> {
  return (await verifyAll(ctx, cap)).result;
}

async function verifyAll(ctx: GridContext, cap: AnyMutableCap) {
  const mapped = await mapOf(ctx, cap);
  const shares: VerifiedShare[] = mapped.map.unreadable.map((s) => ({
    shnum: s.shnum,
    nodeId: s.node.id,
    ok: false,
    reason: 'unreadable or unsigned share',
  }));
  const good: MappedShare[] = [];
  const { best } = mapped;
  for (const share of mapped.map.shares) {
    if (best === undefined || !best.shares.includes(share)) {
      shares.push({
        shnum: share.shnum,
        nodeId: share.node.id,
        ok: false,
        reason: `holds an older or unrecoverable version (seq ${share.version.seq})`,
      });
      continue;
    }
    try {
      await validateOne(ctx, mapped, best, share);
      good.push(share);
      shares.push({ shnum: share.shnum, nodeId: share.node.id, ok: true });
    } catch (error) {
      shares.push({ shnum: share.shnum, nodeId: share.node.id, ok: false, reason: describeError(error) });
    }
  }
  return { result: report(ctx, mapped, good, shares), mapped, good, shares };
}

/** Checks one share's hash lists and every block; returns its block leaves. */
async function validateOne(
  ctx: GridContext,
  mapped: Mapped,
  best: RecoverableVersion,
  share: MappedShare,
): Promise<Uint8Array[]> {
  const { params, shareRoot, crypttextRoot } = best.version;
  const layout = mutableLayout(params);
  const region = await share.node.readShare(
    mapped.siText,
    share.shnum,
    layout.blockLeavesOffset,
    layout.hashesLength,
  );
  if (region.length !== layout.hashesLength) throw new Error('share is truncated');
  const split = (from: number, count: number): Uint8Array[] =>
    Array.from({ length: count }, (_, i) => region.subarray(from + i * 32, from + i * 32 + 32));
  const blockLeaves = split(0, params.numSegments);
  const ctLeaves = split(params.numSegments * 32, params.numSegments);
  const shareLeaves = split(params.numSegments * 64, params.n);
  if (!bytesEqual(merkleRoot(shareLeaves), shareRoot))
    throw new Error('share hash tree does not match the signed root');
  if (!bytesEqual(merkleRoot(blockLeaves), shareLeaves[share.shnum] as Uint8Array))
    throw new Error('block hash tree does not match');
  if (!bytesEqual(merkleRoot(ctLeaves), crypttextRoot))
    throw new Error('ciphertext hash tree does not match');
  for (let s = 0; s < params.numSegments; s++) {
    const block = await share.node.readShare(
      mapped.siText,
      share.shnum,
      layout.blockOffset(s),
      blockLength(params, s),
    );
    const hash = await ctx.work.hashBlocks([block]);
    if (!bytesEqual(hash, blockLeaves[s] as Uint8Array)) throw new Error(`corrupt block in segment ${s}`);
  }
  return blockLeaves;
}

/**
 * Regenerates the missing, corrupt or stale shares of the best version from k good ones. The
 * signed header is copied (the signature does not cover the share number), so no key is needed:
 * a verify cap can repair. Every write is a test-and-set against what the slot held, so a repair
 * never overwrites a version some writer published meanwhile.
 */
export async function repairMutable(ctx: GridContext, cap: AnyMutableCap): Promise<RepairReport> {
  const verified = await verifyAll(ctx, cap);
  const before = verified.result;
  if (before.intact) return { before, after: before, regenerated: [], removed: [] };
  const { mapped, good } = verified;
  const best = mapped.best;
  const goodByShnum = new Map<number, MappedShare>();
  for (const share of good) if (!goodByShnum.has(share.shnum)) goodByShnum.set(share.shnum, share);
  if (best === undefined || goodByShnum.size < best.version.params.k) {
    throw new NotEnoughSharesError(
      'cannot repair: fewer intact shares remain than are needed',
      before.problems,
    );
  }
  const { params } = best.version;
  const layout = mutableLayout(params);
  const sources = [...goodByShnum.values()].slice(0, params.k);
  const template = sources[0] as MappedShare;
  const wanted = new Set<number>();
  for (let shnum = 0; shnum < params.n; shnum++) if (!goodByShnum.has(shnum)) wanted.add(shnum);
  const badSlots = [
    ...mapped.map.shares
      .filter((s) => !good.includes(s))
      .map((s) => ({ shnum: s.shnum, node: s.node, current: s.versionTag })),
    ...mapped.map.unreadable.map((s) => ({ shnum: s.shnum, node: s.node, current: s.current })),
  ];
  for (const slot of badSlots) if (slot.shnum < params.n) wanted.add(slot.shnum);
  const wantedList = [...wanted].sort((a, b) => a - b);

  const rebuilt = new Map<number, Uint8Array[]>(wantedList.map((shnum) => [shnum, []]));
  for (let s = 0; s < params.numSegments; s++) {
    const blocks = new Array<Uint8Array | undefined>(params.n);
    await Promise.all(
      sources.map(async (share) => {
        blocks[share.shnum] = await share.node.readShare(
          mapped.siText,
          share.shnum,
          layout.blockOffset(s),
          blockLength(params, s),
        );
      }),
    );
    const regenerated = await ctx.work.regenerate({ blocks, k: params.k, n: params.n, wanted: wantedList });
    wantedList.forEach((shnum, i) => rebuilt.get(shnum)?.push(regenerated[i] as Uint8Array));
  }
  const tailRegion = await template.node.readShare(
    mapped.siText,
    template.shnum,
    layout.crypttextLeavesOffset,
    layout.totalLength - layout.crypttextLeavesOffset,
  );
  const ring = permuteNodes(mapped.storageIndex, ctx.nodes);
  const regenerated: Array<{ shnum: number; nodeId: string }> = [];
  for (const shnum of wantedList) {
    const blocks = rebuilt.get(shnum) as Uint8Array[];
    const hashes = await ctx.work.hashBlocks(blocks);
    const blockLeaves = Array.from({ length: blocks.length }, (_, i) =>
      hashes.subarray(i * HASH_LENGTH, (i + 1) * HASH_LENGTH),
    );
    const shareLeaf = tailRegion.subarray(
      params.numSegments * 32 + shnum * 32,
      params.numSegments * 32 + shnum * 32 + 32,
    );
    if (!bytesEqual(merkleRoot(blockLeaves), shareLeaf))
      throw new Error(`regenerated share ${shnum} does not match its signed hash`);
    const image = concatBytes([
      encodeMutableHeader(shnum, best.version, best.version.signature),
      ...blocks,
      ...blockLeaves,
      tailRegion,
    ]);
    const slot = badSlots.find((b) => b.shnum === shnum && b.current !== null);
    const targets: Array<{ node: StorageNode; test: ShareTest }> = slot
      ? [{ node: slot.node, test: { offset: VERSION_TEST_OFFSET, expected: slot.current as Uint8Array } }]
      : [...ring]
          .sort((a, b) => load(good, regenerated, a.id) - load(good, regenerated, b.id))
          .map((node) => ({ node, test: 'absent' as const }));
    for (const target of targets) {
      try {
        const result = await target.node.testAndSetShare(mapped.siText, shnum, target.test, image);
        if (!result.ok) throw new Error('the file changed during repair; run repair again');
        regenerated.push({ shnum, nodeId: target.node.id });
        break;
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('the file changed')) throw error;
      }
    }
  }
  const after = await verifyMutable(ctx, cap);
  return { before, after, regenerated, removed: [] };
}

function load(
  good: readonly MappedShare[],
  added: ReadonlyArray<{ nodeId: string }>,
  nodeId: string,
): number {
  return good.filter((s) => s.node.id === nodeId).length + added.filter((a) => a.nodeId === nodeId).length;
}
