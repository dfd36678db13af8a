import { chkAesKey, chkStorageIndex } from '../caps/derive.js';
import type { ChkReadCap, ChkVerifyCap } from '../caps/cap.js';
import { merkleRoot, splitHashes } from '../merkle/hash-tree.js';
import { base32Encode } from '../util/base32.js';
import { bytesEqual } from '../util/bytes.js';
import { NotEnoughSharesError, type GridContext } from '../grid/context.js';
import { locateShares } from './locate.js';
import { chkLayout, CHK_HEADER_LENGTH, decodeChkHeader } from './share-layout.js';
import { describeProblem, SegmentReader, type ShareCandidate, type SegmentTrust } from './segment-reader.js';
import { decodeUeb, UEB_LENGTH, uebMatches, type ExtensionBlock } from './ueb.js';
import type { EncodingParams } from './params.js';

const ZERO_IV = new Uint8Array(16);

export interface ValidatedChkShare {
  readonly ueb: ExtensionBlock;
  readonly blockLeaves: Uint8Array[];
  readonly crypttextLeaves: Uint8Array[];
  readonly shareLeaves: Uint8Array[];
  /** The raw hash lists and UEB, which a repairer copies into regenerated shares. */
  readonly hashesRegion: Uint8Array;
}

/**
 * Checks one CHK share against its cap without reading its blocks: the UEB must hash to the
 * cap's value, the header must agree with it, and the three hash lists must rebuild the roots
 * the UEB holds. Throws with the reason when any of that fails.
 */
export async function validateChkShare(
  cap: ChkReadCap | ChkVerifyCap,
  siText: string,
  candidate: ShareCandidate,
): Promise<ValidatedChkShare> {
  const { node, shnum } = candidate;
  const header = decodeChkHeader(await node.readShare(siText, shnum, 0, CHK_HEADER_LENGTH));
  if (header === undefined) throw new Error('not a valid share header');
  if (header.shnum !== shnum) throw new Error(`share claims to be number ${header.shnum}`);
  const { params } = header;
  if (params.k !== cap.k || params.n !== cap.n || params.size !== cap.size)
    throw new Error('share encoding differs from the cap');
  const layout = chkLayout(params);
  const hashesRegion = await node.readShare(siText, shnum, layout.blockLeavesOffset, layout.hashesLength);
  if (hashesRegion.length !== layout.hashesLength) throw new Error('share is truncated');
  const uebBytes = hashesRegion.subarray(hashesRegion.length - UEB_LENGTH);
  if (!uebMatches(uebBytes, cap.uebHash)) throw new Error('extension block does not match the cap');
  const ueb = decodeUeb(uebBytes);
  if (ueb === undefined || !sameParams(ueb.params, params))
    throw new Error('extension block disagrees with the share');
  const at = (offset: number): Uint8Array => hashesRegion.subarray(offset - layout.blockLeavesOffset);
  const blockLeaves = splitHashes(at(layout.blockLeavesOffset), params.numSegments);
  const crypttextLeaves = splitHashes(at(layout.crypttextLeavesOffset), params.numSegments);
  const shareLeaves = splitHashes(at(layout.shareLeavesOffset), params.n);
  if (!bytesEqual(merkleRoot(shareLeaves), ueb.shareRoot)) throw new Error('share hash tree does not match');
  if (!bytesEqual(merkleRoot(blockLeaves), shareLeaves[shnum] as Uint8Array))
    throw new Error('block hash tree does not match');
  if (!bytesEqual(merkleRoot(crypttextLeaves), ueb.crypttextRoot))
    throw new Error('ciphertext hash tree does not match');
  return { ueb, blockLeaves, crypttextLeaves, shareLeaves, hashesRegion };
}

function sameParams(a: EncodingParams, b: EncodingParams): boolean {
  return a.k === b.k && a.n === b.n && a.size === b.size && a.segmentSize === b.segmentSize;
}

export function chkStorageIndexOf(cap: ChkReadCap | ChkVerifyCap): Uint8Array {
  return cap.kind === 'chk-read' ? chkStorageIndex(cap.key) : cap.storageIndex;
}

/**
 * Opens an immutable file for reading: finds its shares, validates one to learn the trusted
 * hash lists, and returns a reader that fetches segments from k good shares.
 */
export async function openImmutable(
  ctx: GridContext,
  cap: ChkReadCap | ChkVerifyCap,
): Promise<SegmentReader> {
  const si = chkStorageIndexOf(cap);
  const siText = base32Encode(si);
  const located = await locateShares(ctx.nodes, si, siText);
  let first: ValidatedChkShare | undefined;
  const problems = [...located.problems];
  // Any valid share carries the same trusted UEB and ciphertext leaves; find one to build the trust from.
  for (const candidate of located.candidates) {
    try {
      first = await validateChkShare(cap, siText, candidate);
      break;
    } catch (error) {
      problems.push({ nodeId: candidate.node.id, shnum: candidate.shnum, reason: (error as Error).message });
    }
  }
  if (first === undefined) {
    throw new NotEnoughSharesError(
      `not enough shares: no valid share found (${cap.k} needed)` +
        (problems.length > 0 ? `: ${problems.slice(0, 4).map(describeProblem).join('; ')}` : ''),
      problems,
    );
  }
  const params = first.ueb.params;
  const trust: SegmentTrust = {
    params,
    layout: chkLayout(params),
    storageIndex: siText,
    crypttextLeaves: first.crypttextLeaves,
    ...(cap.kind === 'chk-read' ? { crypto: { aesKey: chkAesKey(cap.key), iv: ZERO_IV } } : {}),
    validate: async (candidate) => (await validateChkShare(cap, siText, candidate)).blockLeaves,
  };
  const failed = new Set(problems.map((p) => `${p.nodeId}/${p.shnum}`));
  const candidates = located.candidates.filter((c) => !failed.has(`${c.node.id}/${c.shnum}`));
  return new SegmentReader(ctx, trust, candidates, problems);
}
