// A file written in order is hashed for its convergent key while it is written (no hashing pass
// over the spool at close); written any other way, the spool is hashed at close. Either way the
// same content must get the same cap: that is what proves the early hashes exact.
import { describe, expect, it } from 'vitest';
import { formatCap } from '../../src/caps/text.js';
import { CREAT, pattern, TRUNC, useSessionHarness, WRITE } from './session-harness.js';

const make = useSessionHarness();
const MiB = 1024 * 1024;

describe('convergence hashes taken while a file is written', () => {
  it('give the cap a full hashing pass gives, whatever order the writes came in', async () => {
    const h = await make();
    // Nodes that cannot write in place: a file written in order is then hashed, not streamed
    // (streaming takes a random key; see session-streaming-upload.test.ts).
    for (const node of h.nodes) node.appendOnly = true;
    const content = pattern(2 * MiB + 12_345, 11);
    const session = h.session();
    // Which commits came with their hashes already taken (the others hashed the spool).
    const hashedEarly: boolean[] = [];
    const upload = h.grid.upload.bind(h.grid);
    h.grid.upload = (source, options) => {
      hashedEarly.push(options.key !== 'random' && options.key.chunkHashes !== undefined);
      return upload(source, options);
    };

    // In order, in pieces that straddle the 1 MiB chunk boundaries (as an SFTP uploader writes).
    const inOrder = await session.open('/in-order', WRITE | CREAT | TRUNC, {});
    for (let at = 0; at < content.length; at += 255 * 1024)
      await inOrder.write(at, content.subarray(at, Math.min(content.length, at + 255 * 1024)));
    await inOrder.close();

    // Second half first: the early hashes are given up and the spool is hashed at close.
    const backwards = await session.open('/backwards', WRITE | CREAT | TRUNC, {});
    const half = MiB + 7;
    await backwards.write(half, content.subarray(half));
    await backwards.write(0, content.subarray(0, half));
    await backwards.close();

    // In order, then cut back by a size change: also hashed at close.
    const longer = new Uint8Array(content.length + 5000);
    longer.set(content);
    const cut = await session.open('/cut', WRITE | CREAT | TRUNC, {});
    await cut.write(0, longer);
    await cut.fsetstat({ size: content.length });
    await cut.close();

    expect(hashedEarly).toEqual([true, false, false]);
    const caps = await Promise.all(['in-order', 'backwards', 'cut'].map((name) => h.capAt(name)));
    expect(caps.every((cap) => cap !== undefined)).toBe(true);
    const texts = caps.map((cap) => formatCap(cap as NonNullable<typeof cap>));
    expect(new Set(texts).size).toBe(1);
    expect(Buffer.from((await h.content('in-order')) ?? []).equals(Buffer.from(content))).toBe(true);
  });
});
