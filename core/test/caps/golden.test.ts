import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { committedVectors, computeVectors, FIXTURE } from './golden-vectors.js';

describe('golden vectors', () => {
  it('derives every key and cap string exactly as committed', async () => {
    const vectors = await computeVectors();
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(FIXTURE, `${JSON.stringify(vectors, null, 2)}\n`);
    expect(vectors).toEqual(committedVectors());
  });
});
