// Reed-Solomon throughput, one thread, 1 MiB segments: encode, and decode with as many data blocks
// missing as the code allows (n − k, but at most k: 2 for 3-of-5, all 3 for 3-of-10), rebuilt from parity.
// Throughput counts data bytes (the segment), in MB/s (10^6 bytes per second).
import { randomFillSync } from 'node:crypto';

const SEGMENT = 1 << 20;
const PROCESSED = 256 << 20;
const CODES = [
  [3, 5],
  [3, 10],
];

export async function runErasureBench() {
  const { availableErasureKernels, createReedSolomon } = await import('../../core/dist/erasure/index.js');
  const rows = [];
  for (const kernel of availableErasureKernels()) {
    for (const [k, n] of CODES) {
      const rs = createReedSolomon(k, n, { kernel });
      const blockLength = Math.ceil(SEGMENT / k);
      const data = Array.from({ length: k }, () => randomFillSync(new Uint8Array(blockLength)));
      const parity = rs.encode(data);
      const missing = Math.min(n - k, k);
      const blocks = [...data, ...parity].map((block, i) => (i < missing ? undefined : block));
      const wanted = Array.from({ length: k }, (_, i) => i);
      const segments = PROCESSED / SEGMENT;
      const dataBytes = segments * k * blockLength;

      const encode = measure(segments, () => rs.encode(data));
      rows.push({
        name: `erasure ${kernel} encode ${k}-of-${n}`,
        value: mbps(dataBytes, encode),
        unit: 'MB/s',
      });

      const decode = measure(segments, () => rs.reconstruct(blocks, wanted));
      rows.push({
        name: `erasure ${kernel} decode ${k}-of-${n} (${missing} data missing)`,
        value: mbps(dataBytes, decode),
        unit: 'MB/s',
      });
    }
  }
  return rows;
}

/** Seconds for `iterations` calls, after a short warm-up so the JIT has settled. */
function measure(iterations, fn) {
  for (let i = 0; i < Math.min(16, iterations); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const mbps = (bytes, seconds) => Math.round(bytes / 1e6 / seconds);
