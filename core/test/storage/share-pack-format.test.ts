import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Encode } from '../../src/util/base32.js';
import { encodeRecord, scanPack, type PackRecord } from '../../src/storage/share-pack-format.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'grid-pack-format-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Written {
  readonly si: string;
  readonly shnum: number;
  readonly start: number;
  readonly end: number;
}

/** Writes `bytes` to a fresh file and scans it. */
async function scanBytes(bytes: Uint8Array, skipDamage: boolean) {
  const file = join(root, `p-${base32Encode(randomBytes(5))}`);
  const handle = await open(file, 'w+');
  try {
    await handle.write(bytes, 0, bytes.length, 0);
    const found: PackRecord[] = [];
    const result = await scanPack(handle, 0, bytes.length, (record) => found.push(record), skipDamage);
    return { found, ...result };
  } finally {
    await handle.close();
  }
}

const recordsArb = fc.array(
  fc.record({
    shnum: fc.integer({ min: 0, max: 255 }),
    size: fc.integer({ min: 0, max: 3000 }),
    tombstone: fc.boolean(),
  }),
  { minLength: 1, maxLength: 12 },
);

function build(specs: Array<{ shnum: number; size: number; tombstone: boolean }>) {
  const parts: Buffer[] = [];
  const written: Written[] = [];
  let at = 0;
  for (const [i, spec] of specs.entries()) {
    const si = base32Encode(randomBytes(16));
    const payload = spec.tombstone ? new Uint8Array(0) : randomBytes(spec.size);
    const record = encodeRecord(spec.tombstone ? 'tombstone' : 'share', si, spec.shnum, 1000 + i, payload);
    parts.push(record);
    written.push({ si, shnum: spec.shnum, start: at, end: at + record.length });
    at += record.length;
  }
  return { bytes: Buffer.concat(parts), written };
}

describe('share pack records', () => {
  it('scan back exactly what was written, payload positions included', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, async (specs) => {
        const { bytes, written } = build(specs);
        const { found, end, damagedBytes } = await scanBytes(bytes, false);
        expect(end).toBe(bytes.length);
        expect(damagedBytes).toBe(0);
        expect(found.map((r) => [r.si, r.shnum])).toEqual(written.map((w) => [w.si, w.shnum]));
        for (const [i, record] of found.entries()) {
          expect(record.payloadOffset + record.payloadLength).toBe(written[i]!.end);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('with damage anywhere, find every record the damage did not touch (and never a damaged one)', async () => {
    await fc.assert(
      fc.asyncProperty(
        recordsArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 64 }),
        async (specs, where, length) => {
          const { bytes, written } = build(specs);
          const from = Math.min(bytes.length - 1, Math.floor(where * bytes.length));
          const to = Math.min(bytes.length, from + length);
          for (let i = from; i < to; i++) bytes[i] = (bytes[i] ?? 0) ^ 0x5a;
          const { found, damagedBytes } = await scanBytes(bytes, true);
          const untouched = written.filter((w) => w.end <= from || w.start >= to);
          expect(found.map((r) => r.si)).toEqual(untouched.map((w) => w.si));
          expect(damagedBytes).toBeGreaterThan(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stop at the first bad record when a writer may still be appending there', async () => {
    const { bytes, written } = build([
      { shnum: 0, size: 100, tombstone: false },
      { shnum: 1, size: 100, tombstone: false },
      { shnum: 2, size: 100, tombstone: false },
    ]);
    const second = written[1]!;
    bytes[second.start + 30] = (bytes[second.start + 30] ?? 0) ^ 1;
    const { found, end } = await scanBytes(bytes, false);
    expect(found.map((r) => r.shnum)).toEqual([0]);
    expect(end).toBe(second.start);
    // A tail still being written: the scan ends before it, to resume there later.
    const torn = await scanBytes(bytes.subarray(0, second.start + 10), false);
    expect(torn.end).toBe(second.start);
  });
});
