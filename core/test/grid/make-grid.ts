import { createHash, randomBytes } from 'node:crypto';
import { Grid } from '../../src/grid/grid.js';
import { MemoryNode } from '../../src/storage/memory-node.js';
import { FaultyNode } from '../helpers/faulty-node.js';

export interface TestGrid {
  readonly grid: Grid;
  readonly nodes: FaultyNode[];
  readonly secret: Uint8Array;
}

/** A grid of in-memory nodes wrapped for fault injection; segment work inline unless threads are asked for. */
export function makeGrid(
  options: {
    nodes?: number;
    k?: number;
    happy?: number;
    n?: number;
    threads?: number;
    maxSegmentSize?: number;
  } = {},
): TestGrid {
  const count = options.nodes ?? 5;
  const nodes = Array.from({ length: count }, (_, i) => new FaultyNode(new MemoryNode({ id: `node-${i}` })));
  const grid = new Grid({
    nodes,
    encoding: { k: options.k ?? 3, happy: options.happy ?? 4, n: options.n ?? 5 },
    threads: options.threads ?? 0,
    ...(options.maxSegmentSize === undefined ? {} : { maxSegmentSize: options.maxSegmentSize }),
  });
  return { grid, nodes, secret: new Uint8Array(randomBytes(32)) };
}

/** Deterministic pseudo-random bytes (so failures reproduce) of any length. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let counter = 0;
  for (let offset = 0; offset < length; offset += 32) {
    const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
    out.set(block.subarray(0, Math.min(32, length - offset)), offset);
  }
  return out;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
