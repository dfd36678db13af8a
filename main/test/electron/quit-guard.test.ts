import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createQuitGuard, type QuitAnswer } from '../../src/electron/quit-guard.js';

describe('quitting with commits pending', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(answers: QuitAnswer[]) {
    const state = { pending: 0, asked: [] as number[], proceeded: 0 };
    const guard = createQuitGuard({
      pendingCommits: () => state.pending,
      ask: (pending) => {
        state.asked.push(pending);
        return Promise.resolve(answers.shift() ?? 'wait');
      },
      proceed: () => void state.proceeded++,
      pollMs: 100,
    });
    return { state, guard };
  }

  it('quits at once when nothing is being committed', async () => {
    const { state, guard } = setup([]);
    guard.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.asked).toEqual([]);
    expect(state.proceeded).toBe(1);
  });

  it('asks, and "Quit anyway" quits', async () => {
    const { state, guard } = setup(['quit']);
    state.pending = 2;
    guard.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.asked).toEqual([2]);
    expect(state.proceeded).toBe(1);
  });

  it('"Wait" keeps running and quits by itself once the commits are done', async () => {
    const { state, guard } = setup(['wait']);
    state.pending = 1;
    guard.request();
    await vi.advanceTimersByTimeAsync(500);
    expect(state.proceeded).toBe(0);
    expect(guard.waiting).toBe(true);
    state.pending = 0;
    await vi.advanceTimersByTimeAsync(100);
    expect(state.proceeded).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(state.proceeded).toBe(1);
  });

  it('while waiting, quitting again asks again and may quit anyway', async () => {
    const { state, guard } = setup(['wait', 'quit']);
    state.pending = 3;
    guard.request();
    await vi.advanceTimersByTimeAsync(300);
    guard.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.asked).toEqual([3, 3]);
    expect(state.proceeded).toBe(1);
  });

  it('asks once even when quit is requested again while the question is open', async () => {
    let answer: (a: QuitAnswer) => void = () => undefined;
    let asked = 0;
    let proceeded = 0;
    const guard = createQuitGuard({
      pendingCommits: () => 1,
      ask: () => {
        asked++;
        return new Promise((resolve) => (answer = resolve));
      },
      proceed: () => void proceeded++,
    });
    guard.request();
    guard.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toBe(1);
    answer('quit');
    await vi.advanceTimersByTimeAsync(0);
    expect(proceeded).toBe(1);
  });
});
