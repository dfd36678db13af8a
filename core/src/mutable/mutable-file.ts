import { randomBytes } from 'node:crypto';
import type { MutableFlavor, MutableReadCap, MutableWriteCap } from '../caps/cap.js';
import { merkleRoot, splitHashes } from '../merkle/hash-tree.js';
import { SegmentReader, type SegmentTrust } from '../immutable/segment-reader.js';
import type { ByteSource } from '../util/byte-source.js';
import { bytesEqual, concatBytes } from '../util/bytes.js';
import { NotEnoughSharesError, type GridContext } from '../grid/context.js';
import { readKeysOf, versionAesKey, writeKeysOf, type MutableReadKeys } from './keys.js';
import { MAX_MUTABLE_SIZE, publishVersion } from './publish.js';
import {
  bestVersion,
  mapServers,
  recoverableVersions,
  type RecoverableVersion,
  type ServerMap,
} from './servermap.js';
import {
  decodeMutableHeader,
  MUTABLE_HEADER_LENGTH,
  mutableLayout,
  versionKey,
  type MutableVersion,
} from './share-format.js';

const ZERO_IV = new Uint8Array(16);

export class UncoordinatedWriteError extends Error {
  constructor(attempts: number) {
    super(`gave up after ${attempts} attempts: other writers kept changing the file at the same time`);
    this.name = 'UncoordinatedWriteError';
  }
}

export async function servermapOf(ctx: GridContext, keys: MutableReadKeys): Promise<ServerMap> {
  return mapServers(ctx.nodes, keys.storageIndex, keys.siText, keys.fingerprint);
}

/** A reader over one version's shares; each share is re-checked to still hold that version. */
export function versionReader(
  ctx: GridContext,
  keys: MutableReadKeys,
  map: ServerMap,
  chosen: RecoverableVersion,
  withKey: boolean,
): SegmentReader {
  const { version } = chosen;
  const layout = mutableLayout(version.params);
  let crypttextLeaves: Uint8Array[] = [];
  const trust: SegmentTrust = {
    params: version.params,
    layout,
    storageIndex: keys.siText,
    get crypttextLeaves() {
      return crypttextLeaves;
    },
    ...(withKey ? { crypto: { aesKey: versionAesKey(keys.readKey, version.salt), iv: ZERO_IV } } : {}),
    validate: async ({ node, shnum }) => {
      const header = decodeMutableHeader(
        await node.readShare(keys.siText, shnum, 0, MUTABLE_HEADER_LENGTH),
        keys.storageIndex,
      );
      if (header === undefined || header.shnum !== shnum) throw new Error('bad or unsigned share header');
      const expectedTag = chosen.shares[0]?.versionTag ?? new Uint8Array(0);
      if (!bytesEqual(header.versionTag, expectedTag)) throw new Error('share moved on to another version');
      const region = await node.readShare(keys.siText, shnum, layout.blockLeavesOffset, layout.hashesLength);
      if (region.length !== layout.hashesLength) throw new Error('share is truncated');
      const { numSegments, n } = version.params;
      const blockLeaves = splitHashes(region, numSegments);
      const ctLeaves = splitHashes(region.subarray(numSegments * 32), numSegments);
      const shareLeaves = splitHashes(region.subarray(numSegments * 64), n);
      if (!bytesEqual(merkleRoot(shareLeaves), version.shareRoot))
        throw new Error('share hash tree does not match the signed root');
      if (!bytesEqual(merkleRoot(blockLeaves), shareLeaves[shnum] as Uint8Array))
        throw new Error('block hash tree does not match');
      if (!bytesEqual(merkleRoot(ctLeaves), version.crypttextRoot))
        throw new Error('ciphertext hash tree does not match');
      if (crypttextLeaves.length === 0) crypttextLeaves = ctLeaves;
      return blockLeaves;
    },
  };
  return new SegmentReader(ctx, trust, chosen.shares, map.problems);
}

/** Opens the newest recoverable version of a mutable file for reading. */
export async function openMutable(
  ctx: GridContext,
  cap: MutableReadCap | MutableWriteCap,
): Promise<SegmentReader> {
  const keys = readKeysOf(cap);
  const map = await servermapOf(ctx, keys);
  const best = bestVersion(map);
  if (best === undefined) throw noVersion(map, ctx);
  const reader = versionReader(ctx, keys, map, best, true);
  await reader.ensureShares();
  return reader;
}

function noVersion(map: ServerMap, ctx: GridContext): NotEnoughSharesError {
  const found = map.shares.length;
  return new NotEnoughSharesError(
    found === 0
      ? `not enough shares: no share of this mutable file was found on ${ctx.nodes.length} node(s)`
      : `not enough shares: ${found} share(s) found but no version has the ${ctx.encoding.k} needed`,
    map.problems,
  );
}

async function readVersion(
  ctx: GridContext,
  keys: MutableReadKeys,
  map: ServerMap,
  version: RecoverableVersion,
): Promise<Uint8Array> {
  const reader = versionReader(ctx, keys, map, version, true);
  const parts: Uint8Array[] = [];
  for await (const part of reader.stream()) parts.push(part);
  return concatBytes(parts);
}

/**
 * Reads a whole mutable file (a directory, mostly). A read that meets a publish in progress can
 * find its version's shares replaced under it (each is re-checked, and dropped when it moved on),
 * and then too few of either version: that is not damage, so it maps the servers again and
 * retries on the newer version, a few times, before reporting the shortage.
 */
export async function readMutableContent(
  ctx: GridContext,
  cap: MutableReadCap | MutableWriteCap,
): Promise<Uint8Array> {
  const { content } = await readMutableLatest(ctx, cap);
  return content ?? new Uint8Array(0);
}

/**
 * The newest recoverable version of a mutable file, and its content unless it is the version
 * `known` (a `versionKey`) names: then the servers were asked, but nothing was downloaded. This
 * is how a cache of decoded contents (directories) checks that it is still current.
 */
export async function readMutableLatest(
  ctx: GridContext,
  cap: MutableReadCap | MutableWriteCap,
  known?: string,
): Promise<{ version: MutableVersion; content: Uint8Array | undefined }> {
  const keys = readKeysOf(cap);
  const attempts = 6;
  for (let attempt = 1; ; attempt++) {
    try {
      const map = await servermapOf(ctx, keys);
      const best = bestVersion(map);
      if (best === undefined) throw noVersion(map, ctx);
      if (known !== undefined && versionKey(best.version) === known)
        return { version: best.version, content: undefined };
      return { version: best.version, content: await readVersion(ctx, keys, map, best) };
    } catch (error) {
      if (!(error instanceof NotEnoughSharesError) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
    }
  }
}

async function readSource(source: ByteSource): Promise<Uint8Array> {
  if (source.size > MAX_MUTABLE_SIZE)
    throw new RangeError(`a mutable file holds at most ${MAX_MUTABLE_SIZE} bytes`);
  const parts: Uint8Array[] = [];
  for await (const part of source.open()) parts.push(part);
  return concatBytes(parts);
}

export async function createMutable(
  ctx: GridContext,
  flavor: MutableFlavor,
  source: ByteSource,
): Promise<MutableWriteCap> {
  const cap: MutableWriteCap = { kind: 'mutable-write', flavor, seed: new Uint8Array(randomBytes(32)) };
  const content = await readSource(source);
  await modifyMutable(ctx, cap, () => content);
  return cap;
}

export async function replaceMutable(
  ctx: GridContext,
  cap: MutableWriteCap,
  source: ByteSource,
): Promise<void> {
  const content = await readSource(source);
  await modifyMutable(ctx, cap, () => content);
}

/**
 * Applies `modifier` to the newest version and publishes the result (Tahoe's modify with retry).
 * A modifier returns the new content, or undefined for "no change"; it may be called more than
 * once, each time on the version another writer left, so it must be a pure function of its input
 * (it is also told which version that is, so a caller that keeps decoded contents by version can
 * skip decoding). Resolves with the version current once done: the one published, or the one
 * left as it was (undefined when the file has no version yet and nothing was written).
 *
 * Why no update is lost: a publish replaces each share only if it still holds the version this
 * writer mapped (test-and-set). If another writer got in first, the publish reports a conflict,
 * this writer maps again and re-applies its modifier to the version it now sees, which includes
 * the other writer's change. When a lost race has left the shares split between versions, the
 * next publish happens even for "no change", so the best version is written everywhere again.
 */
export async function modifyMutable(
  ctx: GridContext,
  cap: MutableWriteCap,
  modifier: (current: Uint8Array | undefined, version: MutableVersion | undefined) => Uint8Array | undefined,
): Promise<MutableVersion | undefined> {
  const keys = writeKeysOf(cap);
  return ctx.writeLocks.run(keys.siText, async () => {
    const attempts = 12;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const known = ctx.publishedVersions.get(keys.siText);
      let map: ServerMap;
      let best: RecoverableVersion | undefined;
      let current: Uint8Array | undefined;
      if (known !== undefined) {
        ({ map, best, content: current } = known);
      } else {
        map = await servermapOf(ctx, keys);
        best = bestVersion(map);
        if (best === undefined && map.shares.length > 0) throw noVersion(map, ctx);
        current = best === undefined ? undefined : await readVersion(ctx, keys, map, best);
      }
      const next = modifier(current, best?.version);
      if (next === undefined && best !== undefined && settled(map, best, ctx)) return best.version;
      const content = next ?? current ?? new Uint8Array(0);
      let outcome: Awaited<ReturnType<typeof publishVersion>>;
      try {
        outcome = await publishVersion(ctx, keys, content, map.highestSeq + 1, map);
      } catch (error) {
        // A publish that failed half-way left shares we no longer know: map afresh next time.
        ctx.publishedVersions.forget(keys.siText);
        throw error;
      }
      if (outcome.ok) {
        ctx.publishedVersions.remember(keys.siText, outcome.version, outcome.placements, ctx.nodes, content);
        return outcome.version;
      }
      ctx.publishedVersions.forget(keys.siText);
      // Lost a race: back off a little, randomly, so two writers do not collide in lock step.
      if (known === undefined)
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
    throw new UncoordinatedWriteError(attempts);
  });
}

/** True when the best version is the only one around and has all its shares. */
function settled(map: ServerMap, best: RecoverableVersion, ctx: GridContext): boolean {
  return (
    recoverableVersions(map).length === 1 &&
    map.shares.every(
      (s) =>
        s.version === best.version ||
        bytesEqual(s.versionTag, best.shares[0]?.versionTag ?? new Uint8Array(0)),
    ) &&
    best.distinctShares >= Math.min(ctx.encoding.n, best.version.params.n)
  );
}
