import { describe, expect, it } from 'vitest';
import { createEventGate } from '../../src/electron/event-gate.js';

describe('the event gate between the service and the window', () => {
  it('holds pushes until the page is ready, then delivers them in order and passes later ones on', () => {
    const delivered: number[] = [];
    const gate = createEventGate<number>((n) => delivered.push(n));
    gate.push(1);
    gate.push(2);
    expect(delivered).toEqual([]);
    expect(gate.heldCount).toBe(2);
    gate.open();
    expect(delivered).toEqual([1, 2]);
    gate.push(3);
    expect(delivered).toEqual([1, 2, 3]);
    expect(gate.heldCount).toBe(0);
  });

  it('holds again after a reload until the new page is ready', () => {
    const delivered: string[] = [];
    const gate = createEventGate<string>((e) => delivered.push(e));
    gate.open();
    gate.push('before reload');
    gate.hold();
    gate.push('while loading 1');
    gate.push('while loading 2');
    expect(delivered).toEqual(['before reload']);
    expect(gate.isOpen).toBe(false);
    gate.open();
    expect(delivered).toEqual(['before reload', 'while loading 1', 'while loading 2']);
  });

  it('keeps order when an event is pushed while the held ones are being delivered', () => {
    const delivered: string[] = [];
    const gate = createEventGate<string>((e) => {
      delivered.push(e);
      if (e === 'a') gate.push('pushed during flush');
    });
    gate.push('a');
    gate.push('b');
    gate.open();
    expect(delivered).toEqual(['a', 'b', 'pushed during flush']);
  });

  it('a second ready does not deliver anything twice', () => {
    const delivered: number[] = [];
    const gate = createEventGate<number>((n) => delivered.push(n));
    gate.push(1);
    gate.open();
    gate.open();
    expect(delivered).toEqual([1]);
  });

  it('drops the oldest events beyond its limit and says how many', () => {
    const delivered: number[] = [];
    const drops: number[] = [];
    const gate = createEventGate<number>((n) => delivered.push(n), {
      limit: 3,
      onDrop: (d) => drops.push(d),
    });
    for (let n = 1; n <= 5; n++) gate.push(n);
    gate.open();
    expect(delivered).toEqual([3, 4, 5]);
    expect(drops).toEqual([2]);
  });
});
