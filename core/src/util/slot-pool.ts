/**
 * A fixed set of reusable buffers on SharedArrayBuffers. Segment work runs on worker threads; with
 * shared slots the plaintext, the blocks and the decoded segment never cross a thread boundary by
 * copy or transfer, and nothing is allocated per segment. That keeps the main thread free of
 * garbage-collection churn and memory flat (buffers allocated on one thread and freed on another
 * fragmented the allocator's per-thread arenas: measured ~45 MiB per worker before this).
 */
export class SlotPool {
  private readonly free: Uint8Array[] = [];
  private readonly waiting: Array<(slot: Uint8Array) => void> = [];
  private created = 0;
  private closed = false;

  constructor(
    readonly slotSize: number,
    private readonly maxSlots: number,
  ) {}

  /** A slot of `slotSize` bytes (contents left from earlier use); waits while all are taken. */
  acquire(): Promise<Uint8Array> {
    const slot = this.free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    if (this.created < this.maxSlots) {
      this.created++;
      return Promise.resolve(
        takeSpare(this.slotSize) ?? new Uint8Array(new SharedArrayBuffer(this.slotSize)),
      );
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(slot: Uint8Array): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(slot);
    else if (this.closed) giveSpare(slot);
    else this.free.push(slot);
  }

  /**
   * The pool's work is over: its free slots, and any released later, go to the next pool of the
   * same size. A slot is free only once no thread uses it any more (release's contract), so none
   * can be handed out while a worker still writes into it.
   */
  close(): void {
    this.closed = true;
    for (const slot of this.free.splice(0)) giveSpare(slot);
  }
}

/**
 * Slots of closed pools, by size, for the next pools (each upload and hash pass has its own).
 * Why: a worker that was sent a view of a slot keeps its memory alive until its own garbage
 * collector runs, and workers make little garbage, so fresh slots per upload piled up: a
 * gateway's RSS grew from 137 to 167 MB over 14 puts of 256 MiB, and to 146 MB when reused.
 */
const spareSlots = new Map<number, Uint8Array[]>();
/** Per size: more than the deepest pool takes (6), a little for uploads that ran at once. */
const SPARE_PER_SIZE = 8;

function takeSpare(size: number): Uint8Array | undefined {
  return spareSlots.get(size)?.pop();
}

function giveSpare(slot: Uint8Array): void {
  const spare = spareSlots.get(slot.byteLength) ?? [];
  if (spare.length < SPARE_PER_SIZE) spare.push(slot);
  spareSlots.set(slot.byteLength, spare);
}
