import type { Cap, MutableFlavor } from '../../src/caps/cap.js';
import { formatCap } from '../../src/caps/text.js';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** One well-formed cap string of every kind, built from fixed bytes. */
export const caps = {
  lit: formatCap({ kind: 'lit', data: new TextEncoder().encode('hello') }),
  chk: formatCap({ kind: 'chk-read', key: bytes(16, 1), uebHash: bytes(32, 2), k: 3, n: 10, size: 123456 }),
  chkVerify: formatCap({
    kind: 'chk-verify',
    storageIndex: bytes(16, 3),
    uebHash: bytes(32, 2),
    k: 3,
    n: 10,
    size: 123456,
  }),
  ...mutable('file', 'mut'),
  ...mutable('dir', 'dir'),
};

function mutable<P extends string>(
  flavor: MutableFlavor,
  prefix: P,
): Record<`${P}${'' | 'Read' | 'Verify'}`, string> {
  const forms: Cap[] = [
    { kind: 'mutable-write', flavor, seed: bytes(32, 4) },
    { kind: 'mutable-read', flavor, readKey: bytes(16, 5), fingerprint: bytes(32, 6) },
    { kind: 'mutable-verify', flavor, storageIndex: bytes(16, 7), fingerprint: bytes(32, 6) },
  ];
  const [write, read, verify] = forms.map(formatCap) as [string, string, string];
  return { [prefix]: write, [`${prefix}Read`]: read, [`${prefix}Verify`]: verify } as Record<
    `${P}${'' | 'Read' | 'Verify'}`,
    string
  >;
}
