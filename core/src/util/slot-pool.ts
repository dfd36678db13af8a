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
 * Slots of closed pools, for the next pools (each upload and hash pass has its own, and each file
 * reader). Why: a worker that was sent a view of a slot keeps its memory alive until its own
 * garbage collector runs, and workers make little garbage, so fresh slots per upload piled up: a
 * gateway's RSS grew from 137 to 167 MB over 14 puts of 256 MiB, and to 142 MB over 10 with reuse.
 * A pool takes a spare up to half again its slot size rather than allocate while those sit idle.
 * Downloads and uploads to local nodes have slots of one segment (1 MiB); an upload to nodes that
 * do not lend their files has 2.67 MiB ones (the segment and its 5 blocks, 3-of-5).
 */
const spareSlots: Uint8Array[] = [];
/**
 * What the spares may hold: several uploads' or downloads' slots (6 MiB for an upload with 1 MiB
 * segments to local nodes, 16 MiB to others). Past it the smallest go first, so a run of small
 * files cannot crowd out the slots that matter.
 */
const MAX_SPARE_BYTES = 32 * 1024 * 1024;

/** The smallest spare that fits (the list is kept largest first). */
function takeSpare(size: number): Uint8Array | undefined {
  const at = spareSlots.findLastIndex((spare) => spare.byteLength >= size && spare.byteLength <= size * 1.5);
  if (at < 0) return undefined;
  const [spare] = spareSlots.splice(at, 1);
  return (spare as Uint8Array).subarray(0, size);
}

function giveSpare(slot: Uint8Array): void {
  spareSlots.push(new Uint8Array(slot.buffer));
  spareSlots.sort((a, b) => b.byteLength - a.byteLength);
  let bytes = spareSlots.reduce((sum, spare) => sum + spare.byteLength, 0);
  while (bytes > MAX_SPARE_BYTES) bytes -= (spareSlots.pop() as Uint8Array).byteLength;
}
