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

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const listed = (values, digits = 2) => values.map((value) => value.toFixed(digits)).join(', ');

/** A run's phases by name, in order: the puts ran once per round (grid-child.mjs). */
export function phasesByName(result) {
  const byName = new Map();
  for (const p of result.phases) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  return byName;
}

export function phaseRows(part, result) {
  const rows = [];
  for (const [name, runs] of phasesByName(result)) {
    const title = PHASE_TITLES[name] ?? name;
    const seconds = median(runs.map((p) => p.seconds));
    const cpuSeconds = median(runs.map((p) => p.cpuSeconds));
    const check =
      name === 'get'
        ? 'SHA-256 of output = input'
        : `${runs[0].shares} shares on ${Math.min(...runs.map((p) => p.happiness))} nodes`;
    const rounds =
      runs.length === 1 ? '' : `; median of ${runs.length} rounds: ${listed(runs.map((p) => p.seconds))} s`;
    rows.push({ part, name: `${title}: time`, value: seconds, unit: 's', note: `${check}${rounds}` });
    rows.push({ part, name: `${title}: rate`, value: result.size / MB / seconds, unit: 'MB/s' });
    rows.push({
      part,
      name: `${title}: CPU time`,
      value: cpuSeconds,
      unit: 's',
      note: `all threads; ${(cpuSeconds / seconds).toFixed(2)} cores busy on average`,
    });
  }
  return rows;
}

/**
 * Ratio rows and the verdicts printed under the table: each round's put over the AES pass
 * measured right after it, and the median of those paired ratios.
 */
function ratios(result) {
  return [...phasesByName(result)]
    .filter(([name]) => name.startsWith('put-'))
    .map(([name, runs]) => {
      const paired = runs.map((p, i) => p.seconds / result.aes[i].seconds);
      return {
        phase: name,
        where: result.where,
        title: PHASE_TITLES[name],
        ratio: median(paired),
        paired,
        cpuRatio: median(runs.map((p, i) => p.cpuSeconds / result.aes[i].seconds)),
        seconds: median(runs.map((p) => p.seconds)),
        aesSeconds: median(result.aes.map((aes) => aes.seconds)),
      };
    });
}

/**
 * `baseDir` puts the source and the nodes elsewhere: the bench runs once on the disk (what a user
 * gets) and once on tmpfs, where no disk write or fsync is waited for, which isolates the grid's
 * own cost (encryption, coding, hashing, I/O calls) from the speed of this machine's disk.
 */
export async function runGridBench({ sizeBytes, threads, log, baseDir, where = '', rounds = 1 }) {
  const label = `grid-${Math.round(sizeBytes / 2 ** 20)}MiB${where === '' ? '' : `-${where}`}`;
  const result = await runGrid({
    label,
    sizeBytes,
    phases: ['put-convergent', 'put-random', 'get'],
    aesReference: true,
    rounds,
    threads,
    log,
    baseDir,
  });
  const part = `grid ${label.slice(5)}`;
  const rows = phaseRows(part, result);
  const passes = result.aes;
  rows.push({
    part,
    name: 'one AES-256-CTR pass, same bytes: time',
    value: median(passes.map((aes) => aes.seconds)),
    unit: 's',
    note:
      `fastest of 64 KiB calls (${listed(
        passes.map((aes) => aes.kib64Seconds),
        3,
      )} s) and 1 MiB calls ` +
      `(${listed(
        passes.map((aes) => aes.mib1Seconds),
        3,
      )} s)${passes.length === 1 ? '' : ', one pass after each round; median'}`,
  });
  result.where = where === '' ? 'disk' : where;
  const putRatios = ratios(result);
  for (const r of putRatios) {
    const within = r.paired.filter((ratio) => ratio <= RATIO_BAR).length;
    rows.push({
      part,
      name: `${r.title} / AES pass`,
      value: r.ratio,
      unit: '×',
      note:
        `${r.paired.length === 1 ? '' : `median of ${r.paired.length} rounds (${listed(r.paired)}), each put over the pass after it; `}` +
        `bar ≤ ${RATIO_BAR}× (${within} of ${r.paired.length} within), goal ≤ ${RATIO_GOAL}×; ` +
        `its CPU time is ${r.cpuRatio.toFixed(1)}× the AES pass`,
    });
  }
  return { result, rows, ratios: putRatios };
}
