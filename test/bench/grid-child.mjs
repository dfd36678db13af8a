// The grid put/get run, in a child process of its own (started by grid-run.mjs with --expose-gc):
// a fresh process holds nothing but the grid, so its peak RSS is the grid's, and the timings are
// not disturbed by the parent's crypto buffers or heap.
//
// Input: one JSON argument { label, source, size, workDir, phases, aesReference, rounds?, threads? }.
// Output: one IPC message { ok: true, result } or { ok: false, error }.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  Grid,
  LocalDirectoryNode,
  base32Encode,
  chkStorageIndex,
  chunksOf,
  fileSource,
} from '../../core/dist/index.js';

const AES_CHILD = fileURLToPath(new URL('./aes-child.mjs', import.meta.url));

const config = JSON.parse(process.argv[2]);
const log = (line) => process.stderr.write(`[bench:${config.label}] ${line}\n`);

// ---- RSS sampling ------------------------------------------------------------------------------
// memoryUsage.rss() is the cheap call (no heap walk), so sampling every 50 ms costs nothing
// measurable. The sampler runs on the main thread; while it is busy a sample may come late, and
// resourceUsage().maxRSS (the kernel's high-water mark) covers what sampling could miss.
let peakRss = 0;
let phasePeak = 0;
const sample = () => {
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) peakRss = rss;
  if (rss > phasePeak) phasePeak = rss;
};
const sampler = setInterval(sample, 50);
sampler.unref();

const settle = () => {
  // Collect between phases so one phase's garbage is not counted against the next one's peak.
  globalThis.gc?.();
  globalThis.gc?.();
  // And let the disk catch up: a put's fsyncs are its own cost, but the kernel's writeback of
  // the previous phase's files is not, and it took CPU and disk from the next phase (a random put
  // right after a convergent one measured 4.45 s against 2.64 s) and from the AES reference.
  spawnSync('sync');
};

async function phase(name, run) {
  settle();
  phasePeak = 0;
  sample();
  log(`${name}: start`);
  const start = performance.now();
  // CPU time of every thread of the process (workers and libuv included): what the phase costs
  // whatever else runs on the machine, where wall time also shows contention.
  const cpuStart = process.cpuUsage();
  const detail = await run();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  sample();
  log(`${name}: ${seconds.toFixed(2)} s`);
  return { name, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRss: phasePeak, ...detail };
}

function progressLogger(name) {
  let nextQuarter = 1;
  return (done, total) => {
    if (done >= (total * nextQuarter) / 4 && nextQuarter < 4) {
      log(`${name}: ${nextQuarter * 25}%`);
      nextQuarter++;
    }
  };
}

/**
 * The reference for the put/AES ratio: one in-memory AES-256-CTR pass over the same byte count,
 * in 64 KiB and in 1 MiB update() calls; the faster is "one AES pass" (the stricter ratio).
 * Measured right after each round's puts, so that each put is compared with a pass the machine
 * ran at the same speed (its speed drifts by a third within minutes on the VMs we measure on).
 */
function aesReference(bytes) {
  settle();
  const child = spawnSync(process.execPath, [AES_CHILD, String(bytes)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`AES reference pass failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

async function main() {
  settle();
  const baselineRss = process.memoryUsage.rss();
  const result = { label: config.label, size: config.size, baselineRss, phases: [] };

  const nodes = [];
  for (let i = 0; i < 5; i++) {
    const dir = join(config.workDir, 'nodes', `node-${i}`);
    await mkdir(dir, { recursive: true });
    nodes.push(await LocalDirectoryNode.create(dir));
  }
  // BENCH_THREADS overrides the worker pool size (0 = inline) to compare settings; unset, the
  // grid's own default is measured, which is what the CLI and the app run with.
  const threads = config.threads === undefined ? {} : { threads: config.threads };
  const grid = new Grid({ nodes, encoding: { k: 3, happy: 4, n: 5 }, ...threads });
  result.cores = availableParallelism();
  result.threads = config.threads ?? 'default';
  const nodeById = new Map(nodes.map((node) => [node.id, node]));
  /** Removes a put's shares (not timed), so that rounds do not fill the disk or the tmpfs. */
  const discard = async (report) => {
    const si = base32Encode(chkStorageIndex(report.cap.key));
    for (const { shnum, nodeId } of report.placements) await nodeById.get(nodeId).deleteShare(si, shnum);
  };
  const puts = config.phases.filter((name) => name.startsWith('put-'));
  const rounds = config.rounds ?? 1;
  if (config.aesReference) result.aes = [];
  try {
    let convergentCap;
    // Each round puts once with each key, then measures the AES reference pass (see aesReference).
    for (let round = 1; round <= rounds; round++) {
      for (const name of puts) {
        const key = name === 'put-convergent' ? { convergenceSecret: randomBytes(32) } : 'random';
        let report;
        const entry = await phase(name, async () => {
          report = await grid.upload(await fileSource(config.source), {
            key,
            onProgress: progressLogger(rounds === 1 ? name : `${name} (round ${round})`),
          });
          return {
            round,
            happiness: report.happiness,
            shares: report.placements.length,
            problems: report.problems.length,
          };
        });
        result.phases.push(entry);
        if (name === 'put-convergent' && round === rounds) convergentCap = report.cap;
        else await discard(report);
      }
      if (config.aesReference) {
        log(`AES-256-CTR reference pass${rounds === 1 ? '' : ` (round ${round})`}`);
        result.aes.push(aesReference(config.size));
      }
    }
    for (const name of config.phases.filter((phase) => !phase.startsWith('put-'))) {
      if (name !== 'get') throw new Error(`unknown phase ${name}`);
      if (convergentCap === undefined) throw new Error('get needs a put-convergent phase before it');
      const output = join(config.workDir, 'out.bin');
      const entry = await phase(name, async () => {
        const reader = await grid.openFile(convergentCap);
        // As `grid-sftp get -o` writes: each chunk awaited into the file before the next is pulled,
        // so the reader may hand out views of its decode slots instead of copies.
        const handle = await open(output, 'w');
        try {
          for await (const chunk of chunksOf(reader)) await handle.write(chunk);
        } finally {
          await handle.close();
        }
        return { output };
      });
      result.phases.push(entry);
    }
  } finally {
    await grid.close();
    await Promise.all(nodes.map((node) => node.close()));
  }
  sample();
  result.peakRss = peakRss;
  // The kernel's high-water mark since the process started, in KiB (libuv converts macOS's bytes).
  // The AES passes ran in processes of their own and are not in it.
  result.maxRss = process.resourceUsage().maxRSS * 1024;
  return result;
}

main().then(
  (result) => process.send({ ok: true, result }, () => process.exit(0)),
  (error) => {
    log(`failed: ${error.stack ?? error}`);
    process.send({ ok: false, error: String(error.stack ?? error) }, () => process.exit(1));
  },
);
