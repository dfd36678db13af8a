import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  availableErasureKernels,
  createReedSolomon,
  ErasureError,
  type ErasureKernelName,
} from '../../src/erasure/index.js';

const kernels = availableErasureKernels();

/** Deterministic pseudo-random bytes (xorshift32), so a failing case replays from its seed alone. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** k data blocks; with `offset` > 0 each is a view at that byteOffset inside a larger buffer. */
function dataBlocks(k: number, length: number, seed: number, offset = 0): Uint8Array[] {
  return Array.from({ length: k }, (_, j) => {
    const backing = pseudoRandomBytes(length + offset + 3, seed + j * 7919);
    return j % 2 === 0
      ? backing.subarray(offset, offset + length)
      : Buffer.from(backing.buffer, offset, length);
  });
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const indices = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const bytesOf = (blocks: readonly Uint8Array[]): number[][] => blocks.map((b) => [...b]);

const lengthArb = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5, 15, 16, 17, 31, 33, 63, 65, 4095, 4097),
  fc.integer({ min: 0, max: 600 }),
);

/** k ≤ n ≤ maxN plus a random set of at least k surviving block indices. */
function codeAndSurvivors(minN: number, maxN: number) {
  return fc
    .integer({ min: minN, max: maxN })
    .chain((n) =>
      fc.tuple(fc.constant(n), fc.oneof(fc.constant(1), fc.constant(n), fc.integer({ min: 1, max: n }))),
    )
    .chain(([n, k]) =>
      fc.tuple(
        fc.constant(k),
        fc.constant(n),
        fc.shuffledSubarray(indices(n), { minLength: k, maxLength: k }),
        fc.shuffledSubarray(indices(n), { minLength: k }),
      ),
    );
}

describe('Reed-Solomon', () => {
  it('offers the wasm-simd kernel on this runtime, and picks it by default', () => {
    expect(kernels).toEqual(['wasm-simd', 'js']);
    expect(createReedSolomon(3, 5).kernel).toBe('wasm-simd');
    expect(createReedSolomon(3, 5, { kernel: 'js' }).kernel).toBe('js');
  });

  it('rebuilds every data and parity block from any k of n, with both kernels agreeing', () => {
    fc.assert(
      fc.property(
        codeAndSurvivors(1, 20),
        lengthArb,
        fc.integer(),
        fc.integer({ min: 0, max: 3 }),
        ([k, n, exactlyK, atLeastK], length, seed, offset) => {
          const data = dataBlocks(k, length, seed, offset);
          const parities = kernels.map((kernel) => createReedSolomon(k, n, { kernel }).encode(data));
          for (const parity of parities) {
            expect(parity).toHaveLength(n - k);
            for (const block of parity) {
              expect(block).toBeInstanceOf(Uint8Array);
              expect(block.byteLength).toBe(length);
            }
          }
          const reference = parities[0]!;
          for (const parity of parities.slice(1)) expect(bytesOf(parity)).toEqual(bytesOf(reference));

          const all = [...data, ...reference];
          for (const kernel of kernels) {
            const rs = createReedSolomon(k, n, { kernel });
            for (const survivors of [exactlyK, atLeastK]) {
              const blocks = all.map((block, i) => (survivors.includes(i) ? block : undefined));
              const rebuilt = rs.reconstruct(blocks, indices(n));
              expect(bytesOf(rebuilt)).toEqual(bytesOf(all));
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rebuilds with n up to 256', () => {
    fc.assert(
      fc.property(
        codeAndSurvivors(200, 256),
        fc.constantFrom(0, 1, 17, 40),
        fc.integer(),
        ([k, n, survivors], length, seed) => {
          const data = dataBlocks(k, length, seed);
          const parities = kernels.map((kernel) => createReedSolomon(k, n, { kernel }).encode(data));
          for (const parity of parities.slice(1)) expect(bytesOf(parity)).toEqual(bytesOf(parities[0]!));
          const all = [...data, ...parities[0]!];
          const blocks = all.map((block, i) => (survivors.includes(i) ? block : undefined));
          for (const kernel of kernels) {
            const rebuilt = createReedSolomon(k, n, { kernel }).reconstruct(blocks, indices(n));
            expect(bytesOf(rebuilt)).toEqual(bytesOf(all));
          }
        },
      ),
      { numRuns: 6 },
    );
  });

  it.each(kernels)('handles blocks longer than one kernel window (%s)', (kernel: ErasureKernelName) => {
    const rs = createReedSolomon(3, 10, { kernel });
    const data = dataBlocks(3, 150_001, 42, 1);
    const all = [...data, ...rs.encode(data)];
    const blocks = all.map((block, i) => (i < 3 ? undefined : block));
    const rebuilt = rs.reconstruct(blocks, [2, 0, 1]);
    expect(rebuilt.map(sha256)).toEqual([data[2]!, data[0]!, data[1]!].map(sha256));
  });

  it('makes the first parity block the XOR of the data, and k = 1 plain replication', () => {
    const data = dataBlocks(4, 100, 7);
    const [first] = createReedSolomon(4, 6).encode(data);
    const xor = data.reduce((acc, block) => acc.map((byte, i) => byte ^ block[i]!), new Uint8Array(100));
    expect([...first!]).toEqual([...xor]);

    for (const kernel of kernels) {
      const rs = createReedSolomon(1, 4, { kernel });
      const [only] = dataBlocks(1, 33, 9);
      expect(bytesOf(rs.encode([only!]))).toEqual(bytesOf([only!, only!, only!]));
      expect(bytesOf(rs.reconstruct([undefined, undefined, only, undefined], [0, 3]))).toEqual(
        bytesOf([only!, only!]),
      );
    }
  });

  it('works without parity (k = n)', () => {
    const rs = createReedSolomon(3, 3);
    const data = dataBlocks(3, 10, 3);
    expect(rs.encode(data)).toEqual([]);
    expect(rs.reconstruct(data, [2, 0])).toEqual([data[2], data[0]]);
    expect(() => rs.reconstruct([data[0], undefined, data[2]], [1])).toThrow(ErasureError);
  });

  it('returns present blocks as they are, in the order asked, repeats included', () => {
    const rs = createReedSolomon(2, 4);
    const data = dataBlocks(2, 20, 5);
    const parity = rs.encode(data);
    const blocks = [data[0], undefined, parity[0], undefined];
    const [a, b, c, d] = rs.reconstruct(blocks, [2, 0, 1, 1]);
    expect(a).toBe(parity[0]);
    expect(b).toBe(data[0]);
    expect([...c!]).toEqual([...data[1]!]);
    expect(d).toBe(c);
  });

  it('decodes correctly when the same erasure pattern repeats (decode matrix cache)', () => {
    for (const kernel of kernels) {
      const rs = createReedSolomon(3, 5, { kernel });
      for (let segment = 0; segment < 5; segment++) {
        const data = dataBlocks(3, 1000 + segment, segment);
        const all = [...data, ...rs.encode(data)];
        const rebuilt = rs.reconstruct([undefined, all[1], undefined, all[3], all[4]], [0, 2]);
        expect(bytesOf(rebuilt)).toEqual(bytesOf([data[0]!, data[2]!]));
      }
    }
  });

  it('encodes into caller-provided parity views (a shared slot) exactly as into fresh arrays', () => {
    fc.assert(
      fc.property(codeAndSurvivors(1, 12), lengthArb, fc.integer(), ([k, n], length, seed) => {
        const data = dataBlocks(k, length, seed, 1);
        for (const kernel of kernels) {
          const rs = createReedSolomon(k, n, { kernel });
          // One slot with an odd start, so the views are unaligned; sentinel bytes around each view.
          const slot = new Uint8Array(1 + (n - k) * (length + 1)).fill(0xa5);
          const views = Array.from({ length: n - k }, (_, i) =>
            slot.subarray(1 + i * (length + 1), 1 + i * (length + 1) + length),
          );
          const returned = rs.encode(data, views);
          expect(returned).toHaveLength(n - k);
          returned.forEach((block, i) => expect(block).toBe(views[i]));
          expect(bytesOf(views)).toEqual(bytesOf(rs.encode(data)));
          expect(slot[0]).toBe(0xa5);
          views.forEach((view) => expect(slot[view.byteOffset + length]).toBe(0xa5));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('codes in its workspace exactly as encode() does, with any padding left past the blocks', () => {
    fc.assert(
      fc.property(codeAndSurvivors(1, 12), lengthArb, fc.integer(), ([k, n], length, seed) => {
        const data = dataBlocks(k, length, seed);
        for (const kernel of kernels) {
          const rs = createReedSolomon(k, n, { kernel });
          const expected = bytesOf(rs.encode(data));
          // Garbage everywhere first: parity must not depend on what the memory held before. And a
          // rebuild in between, which leaves another matrix's tables in the kernel.
          const dirty = rs.encodingWorkspace(length);
          dirty.blocks.forEach((block, i) => block.fill(0x5a + i));
          if (n > k)
            rs.reconstruct([undefined, ...data.slice(1), ...expected.map((b) => new Uint8Array(b))], [0]);
          const space = rs.encodingWorkspace(length);
          expect(space.blocks).toHaveLength(n);
          space.blocks.forEach((block) => expect(block.length).toBe(length));
          data.forEach((block, i) => space.blocks[i]!.set(block));
          space.apply();
          expect(bytesOf(space.blocks.slice(0, k))).toEqual(bytesOf(data));
          expect(bytesOf(space.blocks.slice(k))).toEqual(expected);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('lays workspace blocks out as in a slot modulo 8, so copies into one go word by word', () => {
    for (const blockLength of [349_525, 1000, 7, 64]) {
      const { blocks } = createReedSolomon(3, 5).encodingWorkspace(blockLength);
      blocks.forEach((block, i) =>
        expect((block.byteOffset - blocks[0]!.byteOffset) % 8).toBe((i * blockLength) % 8),
      );
    }
  });

  it('leaves the coding of other matrices intact (their tables sit under a workspace)', () => {
    for (const kernel of kernels) {
      const wide = createReedSolomon(12, 24, { kernel });
      const data = dataBlocks(12, 300, 5);
      const expected = wide.encode(data).map(sha256);
      // A small workspace's blocks start where its own short tables end: inside the wide ones.
      // Filled and then dropped (an encode that failed half way) before the wide code runs again.
      // Twice: the second time the kernel hands the same workspace out again.
      const rs = createReedSolomon(1, 2, { kernel });
      for (let round = 0; round < 2; round++) {
        rs.encodingWorkspace(4000).blocks.forEach((block) => block.fill(0xff));
        expect(wide.encode(data).map(sha256)).toEqual(expected);
      }
    }
  });

  it('hands out a fresh workspace once a bigger one has moved the kernel memory', () => {
    const encodeIn = (rs: ReturnType<typeof createReedSolomon>, length: number, seed: number) => {
      const data = dataBlocks(3, length, seed);
      const space = rs.encodingWorkspace(length);
      data.forEach((block, i) => space.blocks[i]!.set(block));
      space.apply();
      expect(space.blocks.slice(3).map(sha256)).toEqual(rs.encode(data).map(sha256));
      return space;
    };
    for (const kernel of kernels) {
      const rs = createReedSolomon(3, 5, { kernel });
      const before = encodeIn(rs, 1000, 1);
      // 5 × 12 MiB is more than any earlier call asked for: the wasm memory grows, which
      // detaches every view of it made before.
      encodeIn(rs, 12 << 20, 2);
      const after = encodeIn(rs, 1000, 3);
      if (kernel === 'wasm-simd') {
        expect(after === before).toBe(false);
        expect(() => before.apply()).toThrow(/memory moved/);
      }
    }
  });

  it('refuses parity views of the wrong number or length', () => {
    const rs = createReedSolomon(2, 4);
    const data = dataBlocks(2, 8, 1);
    expect(() => rs.encode(data, [new Uint8Array(8)])).toThrow(ErasureError);
    expect(() => rs.encode(data, [new Uint8Array(8), new Uint8Array(9)])).toThrow(ErasureError);
  });

  it('returns parity blocks that own their whole ArrayBuffer (transferable)', () => {
    for (const kernel of kernels) {
      const parity = createReedSolomon(3, 5, { kernel }).encode(dataBlocks(3, 77, 1, 2));
      for (const block of parity) {
        expect(block.byteOffset).toBe(0);
        expect(block.buffer.byteLength).toBe(77);
      }
    }
  });
});

describe('golden vectors (the share format must not change silently)', () => {
  // A 200,002-byte segment cut into 3 blocks of 66,668 bytes: several kernel windows and a ragged tail.
  const blockLength = 66_668;
  const golden = (): Uint8Array[] =>
    Array.from({ length: 3 }, (_, j) =>
      Uint8Array.from(
        { length: blockLength },
        (_, i) => (i * 7 + j * 31 + ((i >>> 8) ^ (i >>> 13)) * 3) & 0xff,
      ),
    );

  // SHA-256 of each parity block. Parity i depends on k and i only, not on n, so 3-of-10 starts as 3-of-5.
  const expected: Record<string, string[]> = {
    '3-of-5': [
      '577f57379788d09530ed8a6b444932eced26048f9e7ca0a2607cd877b26242d2',
      '4e23674e68caacd27e8a9a3299906bb56551aa7bbb63b92c6da27e2c2492cf5a',
    ],
    '3-of-10': [
      '577f57379788d09530ed8a6b444932eced26048f9e7ca0a2607cd877b26242d2',
      '4e23674e68caacd27e8a9a3299906bb56551aa7bbb63b92c6da27e2c2492cf5a',
      'a045a4c3f11f97ed8eea44fbcb255c6de09732cf4d303e40c8596baa632f9632',
      'a0a8910eb603efe23133a735535d3839e69bae573665bbf8a873b9d867c4d20e',
      'bc17d08efe7574ee88c7cb121c49571482d63881863520866b287ad1e04ae229',
      'de02ae1ccbb14ec35acf261ad1ed28fea5c5ef48d9e8d3a79449a03f201a4536',
      '17ea02c5fd2d37c6f327e88140a24c316458605031aa8c47c3eeb5f0c6f7eb0d',
    ],
  };

  it.each(kernels)('matches the committed parity digests (%s)', (kernel: ErasureKernelName) => {
    for (const [k, n] of [
      [3, 5],
      [3, 10],
    ] as const) {
      const digests = createReedSolomon(k, n, { kernel }).encode(golden()).map(sha256);
      expect(digests).toEqual(expected[`${k}-of-${n}`]);
    }
  });
});

describe('errors', () => {
  it('refuses bad k and n with RangeError', () => {
    for (const [k, n] of [
      [0, 5],
      [6, 5],
      [3, 257],
      [257, 257],
      [1.5, 3],
      [2, 3.5],
      [Number.NaN, 3],
      [-1, 3],
    ]) {
      expect(() => createReedSolomon(k!, n!)).toThrow(RangeError);
    }
    expect(() => createReedSolomon(1, 1)).not.toThrow();
    expect(() => createReedSolomon(256, 256)).not.toThrow();
    expect(() => createReedSolomon(3, 5, { kernel: 'gpu' as ErasureKernelName })).toThrow(RangeError);
  });

  it('refuses to reconstruct from fewer than k blocks', () => {
    const rs = createReedSolomon(3, 5);
    const data = dataBlocks(3, 16, 2);
    const parity = rs.encode(data);
    expect(() => rs.reconstruct([data[0], undefined, undefined, parity[0], undefined], [1])).toThrow(
      ErasureError,
    );
    expect(() => rs.reconstruct([undefined, undefined, undefined, undefined, undefined], [0])).toThrow(
      ErasureError,
    );
  });

  it('refuses blocks whose lengths disagree', () => {
    const rs = createReedSolomon(2, 4);
    const short = new Uint8Array(10);
    const long = new Uint8Array(11);
    expect(() => rs.encode([short, long])).toThrow(ErasureError);
    expect(() => rs.reconstruct([short, undefined, long, undefined], [1])).toThrow(ErasureError);
  });

  it('refuses a wrong number of blocks or an index outside 0..n-1', () => {
    const rs = createReedSolomon(2, 4);
    const block = new Uint8Array(4);
    expect(() => rs.encode([block])).toThrow(ErasureError);
    expect(() => rs.encode([block, block, block])).toThrow(ErasureError);
    expect(() => rs.reconstruct([block, block, undefined], [2])).toThrow(ErasureError);
    expect(() => rs.reconstruct([block, block, undefined, undefined], [4])).toThrow(RangeError);
    expect(() => rs.reconstruct([block, block, undefined, undefined], [-1])).toThrow(RangeError);
  });
});
