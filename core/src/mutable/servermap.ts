import { publicKeyFingerprint } from '../caps/derive.js';
import { bytesEqual } from '../util/bytes.js';
import { describeError, type ShareProblem } from '../grid/context.js';
import type { StorageNode } from '../storage/node.js';
import { locateShares } from '../immutable/locate.js';
import type { ShareCandidate } from '../immutable/segment-reader.js';
import {
  compareVersions,
  decodeMutableHeader,
  MUTABLE_HEADER_LENGTH,
  VERSION_TEST_LENGTH,
  VERSION_TEST_OFFSET,
  versionKey,
  type MutableVersion,
} from './share-format.js';

export interface MappedShare extends ShareCandidate {
  readonly version: MutableVersion;
  /** The bytes a later test-and-set must find to replace this share. */
  readonly versionTag: Uint8Array;
}

export interface ServerMap {
  readonly shares: readonly MappedShare[];
  /** Shares that could not be read or failed their signature check. */
  readonly problems: readonly ShareProblem[];
  /** Shares that exist but are unreadable or unsigned: a publish must still test-and-set over them. */
  readonly unreadable: ReadonlyArray<ShareCandidate & { readonly current: Uint8Array | null }>;
  readonly highestSeq: number;
}

export interface RecoverableVersion {
  readonly version: MutableVersion;
  readonly shares: readonly MappedShare[];
  readonly distinctShares: number;
}

/**
 * Maps which node holds which version of each share of a mutable file (Tahoe's servermap): every
 * node is asked, every share header read and its signature checked against the key whose
 * fingerprint the cap holds.
 */
export async function mapServers(
  nodes: readonly StorageNode[],
  storageIndex: Uint8Array,
  siText: string,
  fingerprint: Uint8Array,
): Promise<ServerMap> {
  const located = await locateShares(nodes, storageIndex, siText);
  const problems: ShareProblem[] = [...located.problems];
  const shares: MappedShare[] = [];
  const unreadable: Array<ShareCandidate & { current: Uint8Array | null }> = [];
  await Promise.all(
    located.candidates.map(async (candidate) => {
      let bytes: Uint8Array | undefined;
      try {
        bytes = await candidate.node.readShare(siText, candidate.shnum, 0, MUTABLE_HEADER_LENGTH);
        const header = decodeMutableHeader(bytes, storageIndex);
        if (header === undefined || header.shnum !== candidate.shnum)
          throw new Error('bad or unsigned share header');
        if (!bytesEqual(publicKeyFingerprint(header.version.publicKey), fingerprint))
          throw new Error('share signed by another key');
        shares.push({ ...candidate, version: header.version, versionTag: header.versionTag });
      } catch (error) {
        problems.push({ nodeId: candidate.node.id, shnum: candidate.shnum, reason: describeError(error) });
        // A corrupt share is still replaced by test-and-set against whatever bytes it holds now.
        const current =
          bytes !== undefined && bytes.length >= VERSION_TEST_OFFSET + VERSION_TEST_LENGTH
            ? bytes.slice(VERSION_TEST_OFFSET, VERSION_TEST_OFFSET + VERSION_TEST_LENGTH)
            : null;
        unreadable.push({ ...candidate, current });
      }
    }),
  );
  const highestSeq = shares.reduce((max, share) => Math.max(max, share.version.seq), 0);
  return { shares, problems, unreadable, highestSeq };
}

/** Versions with at least k distinct shares, best first (what every reader would choose). */
export function recoverableVersions(map: ServerMap): RecoverableVersion[] {
  const byVersion = new Map<string, MappedShare[]>();
  for (const share of map.shares) {
    const key = versionKey(share.version);
    byVersion.set(key, [...(byVersion.get(key) ?? []), share]);
  }
  const versions: RecoverableVersion[] = [];
  for (const shares of byVersion.values()) {
    const first = shares[0] as MappedShare;
    const distinctShares = new Set(shares.map((s) => s.shnum)).size;
    if (distinctShares >= first.version.params.k)
      versions.push({ version: first.version, shares, distinctShares });
  }
  return versions.sort((a, b) => compareVersions(b.version, a.version));
}

export function bestVersion(map: ServerMap): RecoverableVersion | undefined {
  return recoverableVersions(map)[0];
}
