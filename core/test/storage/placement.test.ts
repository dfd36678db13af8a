import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { happiness, permuteNodes, planPlacement } from '../../src/storage/index.js';

/** Reproducible storage indexes, so the statistical checks below can never flake. */
const siNumber = (i: number): Uint8Array =>
  new Uint8Array(createHash('sha256').update(`si ${i}`).digest().subarray(0, 16));
const makeNodes = (count: number): Array<{ id: string }> =>
  Array.from({ length: count }, (_, i) => ({ id: `n-node${i}` }));
const ids = (nodes: ReadonlyArray<{ id: string }>): string[] => nodes.map((node) => node.id);

describe('permuteNodes', () => {
  it('is deterministic per storage index and independent of the input order', () => {
    const nodes = makeNodes(8);
    const order = ids(permuteNodes(siNumber(1), nodes));
    expect(ids(permuteNodes(siNumber(1), nodes))).toEqual(order);
    expect(ids(permuteNodes(siNumber(1), [...nodes].reverse()))).toEqual(order);
    expect([...order].sort()).toEqual(ids(nodes).sort());
  });

  it('orders by SHA-256(si ‖ utf8(id))', () => {
    const si = siNumber(2);
    const nodes = [{ id: 'n-zürich' }, { id: 'n-a' }, { id: 'n-b' }];
    const key = (id: string): string =>
      createHash('sha256').update(si).update(Buffer.from(id, 'utf8')).digest('hex');
    const expected = ids(nodes).sort((a, b) => (key(a) < key(b) ? -1 : 1));
    expect(ids(permuteNodes(si, nodes))).toEqual(expected);
  });

  it('gives different storage indexes different orders, each node leading about equally often', () => {
    const nodes = makeNodes(10);
    const orders = new Set<string>();
    const leads = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const order = ids(permuteNodes(siNumber(i), nodes));
      orders.add(order.join(','));
      leads.set(order[0]!, (leads.get(order[0]!) ?? 0) + 1);
    }
    expect(orders.size).toBeGreaterThan(1990); // 10! orders: collisions are rare
    expect(leads.size).toBe(10);
    for (const count of leads.values()) expect(count).toBeGreaterThan(120); // expected 200 each
  });

  it('keeps the extra fields of the node objects and refuses duplicate ids', () => {
    const nodes = [
      { id: 'a', url: 'x' },
      { id: 'b', url: 'y' },
    ];
    expect(
      permuteNodes(siNumber(3), nodes)
        .map((node) => node.url)
        .sort(),
    ).toEqual(['x', 'y']);
    expect(() => permuteNodes(siNumber(3), [{ id: 'a' }, { id: 'a' }])).toThrow(RangeError);
    expect(permuteNodes(siNumber(3), [])).toEqual([]);
  });
});

describe('planPlacement', () => {
  it('puts share i on ring position i, using every node once before any node repeats', () => {
    for (const [nodeCount, n] of [
      [10, 10],
      [12, 10],
      [4, 10],
      [3, 3],
      [1, 5],
    ] as const) {
      const nodes = makeNodes(nodeCount);
      const si = siNumber(nodeCount * 100 + n);
      const ring = ids(permuteNodes(si, nodes));
      const plan = planPlacement(si, nodes, n);
      expect(plan.map((p) => p.shnum)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(plan.map((p) => p.node.id)).toEqual(plan.map((_, i) => ring[i % ring.length]));
      const firstRound = plan.slice(0, Math.min(n, nodeCount)).map((p) => p.node.id);
      expect(new Set(firstRound).size).toBe(firstRound.length);
      expect(happiness(plan.map((p) => ({ shnum: p.shnum, nodeId: p.node.id })))).toBe(
        Math.min(n, nodeCount),
      );
    }
  });

  it('refuses impossible requests', () => {
    expect(planPlacement(siNumber(5), makeNodes(3), 0)).toEqual([]);
    expect(() => planPlacement(siNumber(5), [], 3)).toThrow(RangeError);
    expect(() => planPlacement(siNumber(5), makeNodes(3), -1)).toThrow(RangeError);
    expect(() => planPlacement(siNumber(5), makeNodes(3), 257)).toThrow(RangeError);
  });
});

describe('happiness', () => {
  const placed = (...pairs: Array<[number, string]>): Array<{ shnum: number; nodeId: string }> =>
    pairs.map(([shnum, nodeId]) => ({ shnum, nodeId }));

  it('counts distinct nodes that can each contribute a distinct share', () => {
    expect(happiness([])).toBe(0);
    expect(happiness(placed([0, 'a'], [1, 'b'], [2, 'c']))).toBe(3);
    expect(happiness(placed([0, 'a'], [1, 'a'], [2, 'a']))).toBe(1); // all shares on one node
    expect(happiness(placed([0, 'a'], [0, 'b']))).toBe(1); // one share on two nodes
    expect(happiness(placed([0, 'a'], [0, 'b'], [1, 'a']))).toBe(2); // 0→b, 1→a
    expect(happiness(placed([0, 'a'], [1, 'a'], [1, 'b'], [2, 'b']))).toBe(2);
    expect(happiness(placed([0, 'a'], [0, 'a'], [1, 'b']))).toBe(2); // duplicates count once
    // A greedy pass taking share 0 → a would stop at 2; the matching reroutes to reach 3.
    expect(happiness(placed([0, 'a'], [0, 'b'], [1, 'a'], [1, 'c'], [2, 'a']))).toBe(3);
  });

  it('equals a brute-force maximum matching on small random placements', () => {
    const bruteForce = (pairs: Array<{ shnum: number; nodeId: string }>): number => {
      const shares = [...new Set(pairs.map((p) => p.shnum))];
      const best = (i: number, used: Set<string>): number => {
        if (i === shares.length) return 0;
        let result = best(i + 1, used); // share i unmatched
        for (const { nodeId } of pairs.filter((p) => p.shnum === shares[i])) {
          if (used.has(nodeId)) continue;
          result = Math.max(result, 1 + best(i + 1, new Set([...used, nodeId])));
        }
        return result;
      };
      return best(0, new Set());
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            shnum: fc.integer({ min: 0, max: 5 }),
            nodeId: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
          }),
          {
            maxLength: 14,
          },
        ),
        (pairs) => happiness(pairs) === bruteForce(pairs),
      ),
    );
  });
});
