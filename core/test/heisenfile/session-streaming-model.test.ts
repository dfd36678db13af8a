// Streamed uploads against a model (SequentialUploadFeed, EncryptedSpool.withhold): random runs of
// appends, writes elsewhere, reads, truncations and fsyncs on one open file, with segments of 999
// bytes so that the stream starts early and the spool withholds most of what is appended; now and
// then one node answers read-backs with garbage. Every read, and the committed file, must be the
// model's bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CREAT, READ, TRUNC, WRITE, expectSameBytes, makeHarness } from './session-harness.js';

type Op =
  | { readonly op: 'append'; readonly length: number }
  | { readonly op: 'write'; readonly offset: number; readonly length: number }
  | { readonly op: 'read'; readonly offset: number; readonly length: number }
  | { readonly op: 'truncate'; readonly size: number }
  | { readonly op: 'fsync' }
  | { readonly op: 'garbage'; readonly node: number | undefined };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('append' as const), length: fc.integer({ min: 1, max: 1500 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      offset: fc.nat(6000),
      length: fc.integer({ min: 1, max: 700 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('read' as const),
      offset: fc.nat(6000),
      length: fc.integer({ min: 1, max: 3000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), size: fc.nat(6000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fsync' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('garbage' as const),
      node: fc.option(fc.nat(4), { nil: undefined }),
    }),
  },
);

let fill = 0;
function freshBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (fill++ % 251) + 1;
  return out;
}

function resized(content: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(content.subarray(0, Math.min(size, content.length)));
  return out;
}

describe('a file streamed while it is written, against a model', () => {
  it('reads and commits exactly the bytes written, whatever comes between the appends', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const h = await makeHarness({ maxSegmentSize: 1000 });
        try {
          const file = await h.session().open('/f', WRITE | READ | CREAT | TRUNC, {});
          let model: Uint8Array = new Uint8Array(0);
          for (const step of ops) {
            if (step.op === 'append' || step.op === 'write') {
              const offset = step.op === 'append' ? model.length : step.offset;
              const data = freshBytes(step.length);
              await file.write(offset, data);
              const next = resized(model, Math.max(model.length, offset + data.length));
              next.set(data, offset);
              model = next;
            } else if (step.op === 'read') {
              if (step.offset >= model.length) continue; // EOF: not what this test is about
              const got = await file.read(step.offset, step.length);
              expectSameBytes(got, model.subarray(step.offset, step.offset + step.length));
            } else if (step.op === 'truncate') {
              await file.fsetstat({ size: step.size });
              model = resized(model, step.size);
            } else if (step.op === 'fsync') {
              await file.fsync();
            } else {
              h.nodes.forEach((node, i) => (node.garbage = i === step.node));
            }
          }
          for (const node of h.nodes) node.garbage = false;
          await file.close();
          expectSameBytes((await h.content('f')) ?? new Uint8Array(), model);
          expect(h.nodes.map((node) => node.openWriters)).toEqual([0, 0, 0, 0, 0]);
        } finally {
          await h.dispose();
        }
      }),
      { numRuns: 40 },
    );
  });
});
