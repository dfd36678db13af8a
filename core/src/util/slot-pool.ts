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
      return Promise.resolve(new Uint8Array(new SharedArrayBuffer(this.slotSize)));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(slot: Uint8Array): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(slot);
    else this.free.push(slot);
  }
}
