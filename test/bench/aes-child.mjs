// The AES-256-CTR reference pass in a process of its own (started by grid-child.mjs right after
// each round of puts): the pass leaves up to ~45 MB of cipher output garbage, which would count in
// the grid child's peak RSS, and the grid's heap and threads are not in its way.
// Input: the byte count as the only argument. Output: one JSON line on stdout.
import { aesCtrPass } from './crypto.mjs';

const bytes = Number(process.argv[2]);
aesCtrPass(64 * 1024 * 1024, 64 * 1024); // warm-up: JIT and the allocator, not the cost per byte
// Best of three: a pass lasts well under a second, so one descheduling would skew a single try.
const best = (chunk) => Math.min(...[1, 2, 3].map(() => aesCtrPass(bytes, chunk)));
const kib64Seconds = best(64 * 1024);
const mib1Seconds = best(1024 * 1024);
process.stdout.write(
  `${JSON.stringify({ kib64Seconds, mib1Seconds, seconds: Math.min(kib64Seconds, mib1Seconds) })}\n`,
);
