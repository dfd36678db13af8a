import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActivityRegistry, HandleStateError, type ActivityEvent } from '../../src/activity/index.js';

const init = { sessionId: 's1', account: 'alice', path: '/docs/a.txt', flags: ['WRITE', 'CREAT'] };

afterEach(() => {
  vi.useRealTimers();
});

describe('ActivityRegistry', () => {
  it('follows a handle from open to committed, with events and snapshots', () => {
    const registry = new ActivityRegistry();
    const events: ActivityEvent[] = [];
    registry.subscribe((event) => events.push(event));
    const handle = registry.open(init);
    handle.wrote(100);
    handle.renamed('/docs/b.txt');
    handle.closing();
    handle.committing(100);
    handle.progress(50, 2);
    handle.committed(4);
    const [snapshot] = registry.snapshot();
    expect(snapshot).toMatchObject({
      account: 'alice',
      path: '/docs/b.txt',
      state: 'committed',
      bytesWritten: 100,
      commit: { bytesDone: 100, bytesTotal: 100, nodesWritten: 4 },
      retryable: false,
    });
    expect(snapshot?.finishedAt).toBeGreaterThanOrEqual(snapshot?.openedAt ?? Infinity);
    expect(events[0]?.type).toBe('handle-added');
    const states = events.flatMap((e) => (e.type === 'handle-changed' ? [e.handle.state] : []));
    expect(states).toContain('closing');
    expect(states.at(-1)).toBe('committed');
  });

  it('refuses impossible transitions', () => {
    const handle = new ActivityRegistry().open(init);
    expect(() => handle.committed()).toThrow(HandleStateError);
    handle.abandoned('connection lost');
    expect(() => handle.closing()).toThrow(HandleStateError);
  });

  it('keeps failed commits until retried or discarded', async () => {
    const registry = new ActivityRegistry({ historyLimit: 1 });
    const handle = registry.open(init);
    handle.closing();
    handle.committing(10);
    const retry = vi.fn(() => {
      handle.committing(10);
      handle.committed();
      return Promise.resolve();
    });
    handle.failed('not enough storage nodes', retry);
    expect(registry.snapshot()[0]).toMatchObject({
      state: 'failed',
      reason: 'not enough storage nodes',
      retryable: true,
    });
    // Other handles finishing do not push a failed one out of the list.
    for (let i = 0; i < 3; i++) {
      const other = registry.open(init);
      other.closing();
      other.closed();
    }
    expect(registry.get(handle.id)?.state).toBe('failed');
    await registry.retry(handle.id);
    expect(retry).toHaveBeenCalledOnce();
    expect(registry.get(handle.id)?.state ?? 'forgotten').toMatch(/committed|forgotten/);

    const second = registry.open(init);
    second.closing();
    second.committing(1);
    second.failed('disk full');
    expect(() => registry.discard('nope')).toThrow();
    await expect(registry.retry(second.id)).rejects.toThrow(/no failed commit/);
    registry.discard(second.id);
    expect(registry.get(second.id)?.state ?? 'forgotten').toMatch(/abandoned|forgotten/);
  });

  it('forgets finished handles beyond the history limit and says so', () => {
    const registry = new ActivityRegistry({ historyLimit: 2 });
    const removed: string[] = [];
    registry.subscribe((event) => {
      if (event.type === 'handle-removed') removed.push(event.id);
    });
    const ids = Array.from({ length: 4 }, () => {
      const handle = registry.open(init);
      handle.closing();
      handle.closed();
      return handle.id;
    });
    expect(removed).toEqual(ids.slice(0, 2));
    expect(registry.snapshot().map((s) => s.id)).toEqual(ids.slice(2));
  });

  it('reports byte counts at a bounded rate but state changes at once', () => {
    vi.useFakeTimers();
    let now = 1_000_000;
    const registry = new ActivityRegistry({ updatesPerSecond: 10, now: () => now });
    const changes: number[] = [];
    registry.subscribe((event) => {
      if (event.type === 'handle-changed') changes.push(event.handle.bytesWritten);
    });
    const handle = registry.open(init);
    for (let i = 0; i < 100; i++) handle.wrote(1); // a burst inside one interval
    expect(changes.length).toBe(1);
    now += 100;
    vi.advanceTimersByTime(100);
    expect(changes.at(-1)).toBe(100);
    handle.closing();
    expect(changes.length).toBe(3);
  });

  it('lets a test wait for a state that comes later', async () => {
    const registry = new ActivityRegistry();
    const handle = registry.open(init);
    const waiting = registry.waitFor((h) => h.state === 'committed');
    handle.closing();
    handle.committing(1);
    setTimeout(() => handle.committed(), 5);
    await expect(waiting).resolves.toMatchObject({ id: handle.id, state: 'committed' });
    await expect(registry.waitFor((h) => h.state === 'failed', 20)).rejects.toThrow(/within 20 ms/);
  });

  it('survives a listener that throws', () => {
    const registry = new ActivityRegistry();
    registry.subscribe(() => {
      throw new Error('UI went away');
    });
    const handle = registry.open(init);
    expect(() => handle.closing()).not.toThrow();
    expect(registry.unfinished().map((h) => h.id)).toEqual([handle.id]);
  });
});
