import type { ChkReadCap, ChkVerifyCap } from '../caps/cap.js';
import { HASH_LENGTH } from '../crypto/hash.js';
import { merkleRoot, splitHashes } from '../merkle/hash-tree.js';
import { happiness, permuteNodes } from '../storage/placement.js';
import type { ShareWriter, StorageNode } from '../storage/node.js';
import { base32Encode } from '../util/base32.js';
import { bytesEqual } from '../util/bytes.js';
import { describeError, NotEnoughSharesError, type GridContext, type ShareProblem } from '../grid/context.js';
import { chkStorageIndexOf, validateChkShare, type ValidatedChkShare } from './download.js';
import { locateShares } from './locate.js';
import { blockLength } from './params.js';
import { chkLayout, encodeChkHeader } from './share-layout.js';
import type { ShareCandidate } from './segment-reader.js';

export interface CheckReport {
  /** Distinct share numbers found (of n). */
  readonly sharesFound: number;
  readonly sharesNeeded: number;
  readonly sharesTotal: number;
  readonly happiness: number;
  readonly healthy: boolean;
  readonly recoverable: boolean;
  readonly placements: ReadonlyArray<{ readonly shnum: number; readonly nodeId: string }>;
  readonly problems: readonly ShareProblem[];
}

/** Check: are all n shares there? Lists only; reads nothing. */
export async function checkImmutable(ctx: GridContext, cap: ChkReadCap | ChkVerifyCap): Promise<CheckReport> {
  const si = chkStorageIndexOf(cap);
  const located = await locateShares(ctx.nodes, si, base32Encode(si));
  const placements = located.candidates.map((c) => ({ shnum: c.shnum, nodeId: c.node.id }));
  const found = new Set(placements.map((p) => p.shnum)).size;
  return {
    sharesFound: found,
    sharesNeeded: cap.k,
    sharesTotal: cap.n,
    happiness: happiness(placements),
    healthy: found === cap.n && happiness(placements) >= Math.min(ctx.encoding.happy, cap.n),
    recoverable: found >= cap.k,
    placements,
    problems: located.problems,
  };
}

export interface VerifiedShare {
  readonly shnum: number;
  readonly nodeId: string;
  readonly ok: boolean;
  readonly reason?: string;
}

export interface VerifyReport extends CheckReport {
  readonly shares: readonly VerifiedShare[];
  /** Every one of the n shares has an intact copy and no copy is corrupt. */
  readonly intact: boolean;
}

/** Verify: reads every block of every share and checks it; needs only the verify cap. */
export async function verifyImmutable(
  ctx: GridContext,
  cap: ChkReadCap | ChkVerifyCap,
): Promise<VerifyReport> {
  const { report, good } = await verifyShares(ctx, cap);
  return report(good);
}

async function verifyShares(ctx: GridContext, cap: ChkReadCap | ChkVerifyCap) {
  const si = chkStorageIndexOf(cap);
  const siText = base32Encode(si);
  const located = await locateShares(ctx.nodes, si, siText);
  const shares: VerifiedShare[] = [];
  const good = new Map<ShareCandidate, ValidatedChkShare>();
  for (const candidate of located.candidates) {
    try {
      const validated = await validateChkShare(cap, siText, candidate);
      const expectedSize = chkLayout(validated.ueb.params).totalLength;
      const size = located.sizes.get(candidate);
      if (size !== expectedSize) throw new Error(`share is ${size} bytes long, expected ${expectedSize}`);
      await verifyBlocks(ctx, siText, candidate, validated);
      good.set(candidate, validated);
      shares.push({ shnum: candidate.shnum, nodeId: candidate.node.id, ok: true });
    } catch (error) {
      shares.push({
        shnum: candidate.shnum,
        nodeId: candidate.node.id,
        ok: false,
        reason: describeError(error),
      });
    }
  }
  const report = (goodShares: Map<ShareCandidate, ValidatedChkShare>): VerifyReport => {
    const placements = [...goodShares.keys()].map((c) => ({ shnum: c.shnum, nodeId: c.node.id }));
    const found = new Set(placements.map((p) => p.shnum)).size;
    const happy = happiness(placements);
    const problems: ShareProblem[] = [
      ...located.problems,
      ...shares
        .filter((s) => !s.ok)
        .map((s) => ({ nodeId: s.nodeId, shnum: s.shnum, reason: s.reason ?? 'corrupt' })),
    ];
    return {
      sharesFound: found,
      sharesNeeded: cap.k,
      sharesTotal: cap.n,
      happiness: happy,
      healthy: found === cap.n && happy >= Math.min(ctx.encoding.happy, cap.n),
      recoverable: found >= cap.k,
      placements,
      problems,
      shares,
      intact: found === cap.n && shares.every((s) => s.ok) && located.problems.length === 0,
    };
  };
  return { report, good, located, siText };
}

/** Reads a share's blocks a few segments at a time and compares each hash with its leaf. */
async function verifyBlocks(
  ctx: GridContext,
  siText: string,
  candidate: ShareCandidate,
  share: ValidatedChkShare,
): Promise<void> {
  const { params } = share.ueb;
  const layout = chkLayout(params);
  const batch = 8;
  for (let first = 0; first < params.numSegments; first += batch) {
    const indexes = Array.from({ length: Math.min(batch, params.numSegments - first) }, (_, i) => first + i);
    const blocks = await Promise.all(
      indexes.map((s) =>
        candidate.node.readShare(siText, candidate.shnum, layout.blockOffset(s), blockLength(params, s)),
      ),
    );
    const hashes = await ctx.work.hashBlocks(blocks);
    indexes.forEach((s, i) => {
      if (
        !bytesEqual(
          hashes.subarray(i * HASH_LENGTH, (i + 1) * HASH_LENGTH),
          share.blockLeaves[s] as Uint8Array,
        )
      ) {
        throw new Error(`corrupt block in segment ${s}`);
      }
    });
  }
}

export interface RepairReport {
  readonly before: VerifyReport;
  readonly after: VerifyReport;
  /** Shares written anew, and where. */
  readonly regenerated: ReadonlyArray<{ readonly shnum: number; readonly nodeId: string }>;
  /** Corrupt copies removed. */
  readonly removed: ReadonlyArray<{ readonly shnum: number; readonly nodeId: string }>;
}

/**
 * Repair: regenerates every missing or corrupt share from k intact ones and writes it (over the
 * corrupt copy when its node still works, otherwise on the least-loaded node on the ring), then
 * removes corrupt copies and verifies again. Works on ciphertext, so a verify cap is enough.
 */
export async function repairImmutable(
  ctx: GridContext,
  cap: ChkReadCap | ChkVerifyCap,
): Promise<RepairReport> {
  const { report, good, siText } = await verifyShares(ctx, cap);
  const before = report(good);
  if (before.intact && before.healthy) return { before, after: before, regenerated: [], removed: [] };
  const goodByShnum = new Map<number, { candidate: ShareCandidate; share: ValidatedChkShare }>();
  for (const [candidate, share] of good)
    if (!goodByShnum.has(candidate.shnum)) goodByShnum.set(candidate.shnum, { candidate, share });
  if (goodByShnum.size < cap.k) {
    throw new NotEnoughSharesError(
      `cannot repair: only ${goodByShnum.size} intact share(s) remain, ${cap.k} needed`,
      before.problems,
    );
  }
  const badCopies = before.shares.filter((s) => !s.ok);
  const wanted = Array.from({ length: cap.n }, (_, i) => i).filter((shnum) => !goodByShnum.has(shnum));
  const unreachable = new Set(before.problems.filter((p) => p.shnum < 0).map((p) => p.nodeId));
  const usable = ctx.nodes.filter((node) => !unreachable.has(node.id));
  const targets = chooseTargets(usable, chkStorageIndexOf(cap), wanted, badCopies, before.placements);
  const regenerated = await regenerateShares(
    ctx,
    siText,
    [...goodByShnum.values()].slice(0, cap.k),
    targets,
    usable,
  );

  const removed: Array<{ shnum: number; nodeId: string }> = [];
  const rewritten = new Set(regenerated.map((r) => `${r.nodeId}/${r.shnum}`));
  for (const bad of badCopies) {
    if (rewritten.has(`${bad.nodeId}/${bad.shnum}`)) continue;
    const node = ctx.nodes.find((n) => n.id === bad.nodeId);
    try {
      await node?.deleteShare(siText, bad.shnum);
      removed.push({ shnum: bad.shnum, nodeId: bad.nodeId });
    } catch {
      // The node that held the corrupt copy is unreachable; the next repair will try again.
    }
  }
  const after = await verifyImmutable(ctx, cap);
  return { before, after, regenerated, removed };
}

function chooseTargets(
  nodes: readonly StorageNode[],
  si: Uint8Array,
  wanted: readonly number[],
  badCopies: readonly VerifiedShare[],
  goodPlacements: ReadonlyArray<{ shnum: number; nodeId: string }>,
): Array<{ shnum: number; node: StorageNode }> {
  const load = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  for (const p of goodPlacements) load.set(p.nodeId, (load.get(p.nodeId) ?? 0) + 1);
  const ring = permuteNodes(si, nodes);
  return wanted.map((shnum) => {
    const inPlace = badCopies.find((b) => b.shnum === shnum);
    const node =
      (inPlace && ring.find((n) => n.id === inPlace.nodeId && (load.get(n.id) ?? 0) === 0)) ??
      [...ring].sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0))[0];
    if (node === undefined) throw new Error('no storage node to repair onto');
    load.set(node.id, (load.get(node.id) ?? 0) + 1);
    return { shnum, node };
  });
}

async function regenerateShares(
  ctx: GridContext,
  siText: string,
  sources: ReadonlyArray<{ candidate: ShareCandidate; share: ValidatedChkShare }>,
  targets: ReadonlyArray<{ shnum: number; node: StorageNode }>,
  fallbacks: readonly StorageNode[],
): Promise<Array<{ shnum: number; nodeId: string }>> {
  const template = (sources[0] as { share: ValidatedChkShare }).share;
  const { params } = template.ueb;
  const layout = chkLayout(params);
  const writers: Array<{ shnum: number; node: StorageNode; writer: ShareWriter; leaves: Uint8Array[] }> = [];
  const done: Array<{ shnum: number; nodeId: string }> = [];
  try {
    for (const target of targets) {
      // A target that refuses the share hands it to the next usable node.
      let lastError: unknown;
      for (const node of [target.node, ...fallbacks.filter((n) => n !== target.node)]) {
        try {
          const writer = await node.createShare(siText, target.shnum);
          writers.push({ shnum: target.shnum, node, writer, leaves: [] });
          await writer.write(encodeChkHeader({ shnum: target.shnum, params }));
          lastError = undefined;
          break;
        } catch (error) {
          lastError = error;
        }
      }
      if (lastError !== undefined)
        throw lastError instanceof Error ? lastError : new Error(describeError(lastError));
    }
    for (let s = 0; s < params.numSegments; s++) {
      const blocks = new Array<Uint8Array | undefined>(params.n);
      await Promise.all(
        sources.map(async ({ candidate, share }) => {
          const block = await candidate.node.readShare(
            siText,
            candidate.shnum,
            layout.blockOffset(s),
            blockLength(params, s),
          );
          const [hash] = splitHashes(await ctx.work.hashBlocks([block]), 1);
          if (!bytesEqual(hash as Uint8Array, share.blockLeaves[s] as Uint8Array)) {
            throw new Error(`share ${candidate.shnum} on ${candidate.node.id} went bad during repair`);
          }
          blocks[candidate.shnum] = block;
        }),
      );
      const rebuilt = await ctx.work.regenerate({
        blocks,
        k: params.k,
        n: params.n,
        wanted: writers.map((w) => w.shnum),
      });
      const hashes = await ctx.work.hashBlocks(rebuilt);
      await Promise.all(
        writers.map(async (w, i) => {
          w.leaves.push(hashes.slice(i * HASH_LENGTH, (i + 1) * HASH_LENGTH));
          await w.writer.write(rebuilt[i] as Uint8Array);
        }),
      );
    }
    const common = template.hashesRegion.subarray(layout.crypttextLeavesOffset - layout.blockLeavesOffset);
    for (const w of writers) {
      // A regenerated share must hash to the leaf every other share already vouches for.
      if (!bytesEqual(merkleRoot(w.leaves), template.shareLeaves[w.shnum] as Uint8Array)) {
        throw new Error(`regenerated share ${w.shnum} does not match its recorded hash`);
      }
      await w.writer.write(new Uint8Array(Buffer.concat([...w.leaves, common])));
      await w.writer.commit();
      done.push({ shnum: w.shnum, nodeId: w.node.id });
    }
    return done;
  } catch (error) {
    await Promise.all(writers.map((w) => w.writer.abort().catch(() => undefined)));
    throw error;
  }
}
