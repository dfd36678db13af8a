/**
 * Where each packed share is (share-packs.ts), kept small: a node may hold millions of small
 * shares. A Map of entry objects per storage index took ~340 bytes per share (measured, its key
 * string included), so 100,000 small files held ~170 MB across five nodes; this table takes ~55
 * (38 bytes a slot, at most 70% of the slots used).
 *
 * An open-addressing hash table in typed arrays, hashed on the storage index alone, with linear
 * probing: the entries of one storage index sit in one probe run, so listing its shares walks that
 * run. Entries are never removed (a deleted share is a tombstone entry: it must keep beating older
 * records of the share), so probing stops at the first empty slot.
 *
 * Storage indexes are 16 bytes (26 base32 characters) in this grid; the node interface allows
 * others, which go to a plain Map.
 */
import { base32Decode, base32Encode } from '../util/base32.js';
import type { StorageIndexText } from './node.js';

export interface PackEntry {
  /** Which pack (an index the caller keeps). */
  readonly pack: number;
  /** Payload position in the pack file. */
  readonly offset: number;
  readonly length: number;
  readonly stamp: number;
  readonly deleted: boolean;
}

const KEY = 16;
const SI_CHARS = 26;
const MAX_LOAD = 0.7;
const NO_PACK = 0; // packs are stored +1, so 0 marks an empty slot

export class PackIndex {
  private capacity = 0;
  private used = 0;
  private keys = new Uint8Array(0);
  private shnums = new Uint8Array(0);
  private packs = new Uint32Array(0);
  private offsets = new Float64Array(0);
  private lengths = new Uint32Array(0);
  private stamps = new Float64Array(0);
  private flags = new Uint8Array(0);
  private readonly others = new Map<string, PackEntry>();

  constructor(initialCapacity = 1024) {
    this.allocate(Math.max(16, 2 ** Math.ceil(Math.log2(initialCapacity))));
  }

  /** Entries held, tombstones included. */
  get size(): number {
    return this.used + this.others.size;
  }

  get(si: StorageIndexText, shnum: number): PackEntry | undefined {
    const key = keyOf(si);
    if (key === undefined) return this.others.get(`${si}.${shnum}`);
    const slot = this.find(key, shnum);
    return slot < 0 || this.packs[slot] === NO_PACK ? undefined : this.entryAt(slot);
  }

  set(si: StorageIndexText, shnum: number, entry: PackEntry): void {
    const key = keyOf(si);
    if (key === undefined) {
      this.others.set(`${si}.${shnum}`, entry);
      return;
    }
    if ((this.used + 1) / this.capacity > MAX_LOAD) this.grow();
    const slot = this.find(key, shnum);
    if (this.packs[slot] === NO_PACK) {
      this.keys.set(key, slot * KEY);
      this.shnums[slot] = shnum;
      this.used++;
    }
    this.packs[slot] = entry.pack + 1;
    this.offsets[slot] = entry.offset;
    this.lengths[slot] = entry.length;
    this.stamps[slot] = entry.stamp;
    this.flags[slot] = entry.deleted ? 1 : 0;
  }

  /** Every entry of a storage index (deleted ones included), by share number. */
  entriesOf(si: StorageIndexText): Array<[number, PackEntry]> {
    const key = keyOf(si);
    if (key === undefined) {
      const prefix = `${si}.`;
      return [...this.others]
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, entry]) => [Number(name.slice(prefix.length)), entry]);
    }
    const found: Array<[number, PackEntry]> = [];
    for (let slot = this.home(key); this.packs[slot] !== NO_PACK; slot = (slot + 1) & (this.capacity - 1)) {
      if (this.keyMatches(slot, key)) found.push([this.shnums[slot] as number, this.entryAt(slot)]);
    }
    return found;
  }

  /** Each storage index with at least one entry that is not deleted, once. */
  *liveStorageIndexes(): Iterable<StorageIndexText> {
    const seen = new Set<string>();
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.packs[slot] === NO_PACK || this.flags[slot] === 1) continue;
      const si = base32Encode(this.keys.subarray(slot * KEY, (slot + 1) * KEY));
      if (!seen.has(si)) {
        seen.add(si);
        yield si;
      }
    }
    for (const [name, entry] of this.others) {
      const si = name.slice(0, name.lastIndexOf('.'));
      if (!entry.deleted && !seen.has(si)) {
        seen.add(si);
        yield si;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** The slot holding (key, shnum), or the empty slot where it would go. */
  private find(key: Uint8Array, shnum: number): number {
    const mask = this.capacity - 1;
    let slot = this.home(key);
    while (this.packs[slot] !== NO_PACK && !(this.shnums[slot] === shnum && this.keyMatches(slot, key))) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  /** Storage indexes are uniformly random bytes, so their first four bytes are a good hash. */
  private home(key: Uint8Array): number {
    return (
      (((key[0] as number) |
        ((key[1] as number) << 8) |
        ((key[2] as number) << 16) |
        ((key[3] as number) << 24)) >>>
        0) &
      (this.capacity - 1)
    );
  }

  private keyMatches(slot: number, key: Uint8Array): boolean {
    const at = slot * KEY;
    for (let i = 0; i < KEY; i++) if (this.keys[at + i] !== key[i]) return false;
    return true;
  }

  private entryAt(slot: number): PackEntry {
    return {
      pack: (this.packs[slot] as number) - 1,
      offset: this.offsets[slot] as number,
      length: this.lengths[slot] as number,
      stamp: this.stamps[slot] as number,
      deleted: this.flags[slot] === 1,
    };
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.used = 0;
    this.keys = new Uint8Array(capacity * KEY);
    this.shnums = new Uint8Array(capacity);
    this.packs = new Uint32Array(capacity);
    this.offsets = new Float64Array(capacity);
    this.lengths = new Uint32Array(capacity);
    this.stamps = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  private grow(): void {
    const old = {
      capacity: this.capacity,
      keys: this.keys,
      shnums: this.shnums,
      packs: this.packs,
      offsets: this.offsets,
      lengths: this.lengths,
      stamps: this.stamps,
      flags: this.flags,
    };
    this.allocate(old.capacity * 2);
    for (let slot = 0; slot < old.capacity; slot++) {
      if (old.packs[slot] === NO_PACK) continue;
      const key = old.keys.subarray(slot * KEY, (slot + 1) * KEY);
      const target = this.find(key, old.shnums[slot] as number);
      this.keys.set(key, target * KEY);
      this.shnums[target] = old.shnums[slot] as number;
      this.packs[target] = old.packs[slot] as number;
      this.offsets[target] = old.offsets[slot] as number;
      this.lengths[target] = old.lengths[slot] as number;
      this.stamps[target] = old.stamps[slot] as number;
      this.flags[target] = old.flags[slot] as number;
      this.used++;
    }
  }
}

function keyOf(si: StorageIndexText): Uint8Array | undefined {
  if (si.length !== SI_CHARS) return undefined;
  const bytes = base32Decode(si);
  return bytes?.length === KEY ? bytes : undefined;
}
