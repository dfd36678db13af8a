/** A fill source the test drives chunk by chunk: push(), end() or fail(). */
export class ControlledSource implements AsyncIterable<Uint8Array> {
  private readonly queue: (Uint8Array | Error | null)[] = [];
  private wake: (() => void) | undefined;
  /** Set when the consumer stopped early (the iterator's return()). */
  stopped = false;
  /** Chunks handed to the consumer. */
  delivered = 0;

  push(chunk: Uint8Array): void {
    this.queue.push(chunk);
    this.wake?.();
  }

  end(): void {
    this.queue.push(null);
    this.wake?.();
  }

  fail(err: Error): void {
    this.queue.push(err);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    let finished = false;
    try {
      for (;;) {
        while (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
        const next = this.queue.shift()!;
        finished = next === null || next instanceof Error;
        if (next === null) return;
        if (next instanceof Error) throw next;
        this.delivered++;
        yield next;
      }
    } finally {
      if (!finished) this.stopped = true;
    }
  }
}

/** Resolves after pending I/O callbacks and microtasks have run. */
export const settle = async (rounds = 5): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Tells whether a promise has settled yet, without waiting for it. */
export function tracked<T>(promise: Promise<T>): { promise: Promise<T>; done: () => boolean } {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { promise, done: () => settled };
}
