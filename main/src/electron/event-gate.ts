/**
 * Pushes to one window, held while its page loads. A page asks for its snapshot first and says
 * it is ready after; events delivered before that would land in a store that is about to be
 * replaced, so they wait and then flow in their original order. Every event carries the whole
 * item it is about, so replaying the held ones after the snapshot converges on the latest state.
 */
export interface EventGate<T> {
  push(event: T): void;
  /** The page has its snapshot: deliver what was held, in order, and pass later events straight on. */
  open(): void;
  /** A (re)load began: hold again until the new page says it is ready. */
  hold(): void;
  readonly isOpen: boolean;
  readonly heldCount: number;
}

export interface EventGateOptions {
  /**
   * Most events kept while holding. A page that never becomes ready (it failed to load) must not
   * grow the queue without end; the oldest go first, as the page's snapshot, taken after them,
   * already reflects them.
   */
  readonly limit?: number;
  readonly onDrop?: (dropped: number) => void;
}

export function createEventGate<T>(
  deliver: (event: T) => void,
  options: EventGateOptions = {},
): EventGate<T> {
  const limit = options.limit ?? 10_000;
  let held: T[] = [];
  let open = false;
  let dropped = 0;
  return {
    push(event) {
      if (open) {
        deliver(event);
        return;
      }
      held.push(event);
      if (held.length > limit) {
        held.shift();
        dropped++;
      }
    },
    open() {
      if (open) return;
      if (dropped > 0) options.onDrop?.(dropped);
      dropped = 0;
      // Still holding while flushing: an event pushed meanwhile queues behind the held ones.
      for (let i = 0; i < held.length; i++) deliver(held[i] as T);
      held = [];
      open = true;
    },
    hold() {
      open = false;
    },
    get isOpen() {
      return open;
    },
    get heldCount() {
      return held.length;
    },
  };
}
