// Part 3: put and get through a 3-of-5 grid of five local directory nodes, and the ratio the
// issue sets its bar on: put time / one AES-256-CTR pass over the same bytes, from the same run.
import { MB } from './crypto.mjs';
import { runGrid } from './grid-run.mjs';

export const RATIO_BAR = 8;
export const RATIO_GOAL = 3;

const PHASE_TITLES = {
  'put-convergent': 'put, convergent key (CLI default)',
  'put-random': 'put, random key',
  get: 'get (stream to a file)',
};

export function phaseRows(part, result) {
  const rows = [];
  for (const p of result.phases) {
    const title = PHASE_TITLES[p.name] ?? p.name;
    const check =
      p.name === 'get' ? 'SHA-256 of output = input' : `${p.shares} shares on ${p.happiness} nodes`;
    rows.push({ part, name: `${title}: time`, value: p.seconds, unit: 's', note: check });
    rows.push({ part, name: `${title}: rate`, value: result.size / MB / p.seconds, unit: 'MB/s' });
    rows.push({
      part,
      name: `${title}: CPU time`,
      value: p.cpuSeconds,
      unit: 's',
      note: `all threads; ${(p.cpuSeconds / p.seconds).toFixed(2)} cores busy on average`,
    });
  }
  return rows;
}

/** Ratio rows and the verdicts printed under the table. */
function ratios(result) {
  const aes = result.aes.seconds;
  return result.phases
    .filter((p) => p.name.startsWith('put-'))
    .map((p) => ({
      phase: p.name,
      where: result.where,
      title: PHASE_TITLES[p.name],
      ratio: p.seconds / aes,
      cpuRatio: p.cpuSeconds / aes,
      seconds: p.seconds,
      aesSeconds: aes,
    }));
}

/**
 * `baseDir` puts the source and the nodes elsewhere: the bench runs once on the disk (what a user
 * gets) and once on tmpfs, where no disk write or fsync is waited for, which isolates the grid's
 * own cost (encryption, coding, hashing, I/O calls) from the speed of this machine's disk.
 */
export async function runGridBench({ sizeBytes, threads, log, baseDir, where = '' }) {
  const label = `grid-${Math.round(sizeBytes / 2 ** 20)}MiB${where === '' ? '' : `-${where}`}`;
  const result = await runGrid({
    label,
    sizeBytes,
    phases: ['put-convergent', 'put-random', 'get'],
    aesReference: true,
    threads,
    log,
    baseDir,
  });
  const part = `grid ${label.slice(5)}`;
  const rows = phaseRows(part, result);
  const { kib64Seconds, mib1Seconds, seconds } = result.aes;
  rows.push({
    part,
    name: 'one AES-256-CTR pass, same bytes: time',
    value: seconds,
    unit: 's',
    note: `fastest of 64 KiB calls (${kib64Seconds.toFixed(3)} s) and 1 MiB calls (${mib1Seconds.toFixed(3)} s)`,
  });
  result.where = where === '' ? 'disk' : where;
  const putRatios = ratios(result);
  for (const r of putRatios) {
    rows.push({
      part,
      name: `${r.title} / AES pass`,
      value: r.ratio,
      unit: '×',
      note: `bar ≤ ${RATIO_BAR}×, goal ≤ ${RATIO_GOAL}×; its CPU time is ${r.cpuRatio.toFixed(1)}× the AES pass`,
    });
  }
  return { result, rows, ratios: putRatios };
}
