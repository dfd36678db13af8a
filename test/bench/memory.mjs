// Part 4: peak RSS of put and get. The figures come from the child process that ran the grid
// (grid-child.mjs), which holds nothing else, so they are the grid's own memory, worker threads
// included. Streaming means the peak must not grow with the file: the 2 GiB run checks that.
import { MB } from './crypto.mjs';
import { phaseRows, phasesByName } from './grid.mjs';
import { runGrid } from './grid-run.mjs';

export const RSS_BAR = 150 * MB;

/** Peak RSS rows of one grid run, plus the verdict for the summary. */
export function memoryRows(part, result) {
  const rows = [
    { part, name: 'RSS at start (node + core loaded)', value: result.baselineRss / MB, unit: 'MB' },
  ];
  for (const [name, runs] of phasesByName(result)) {
    rows.push({
      part,
      name: `peak RSS during ${name} (sampled / 50 ms)`,
      value: Math.max(...runs.map((p) => p.peakRss)) / MB,
      unit: 'MB',
      ...(runs.length === 1 ? {} : { note: `highest of ${runs.length} rounds` }),
    });
  }
  rows.push({
    part,
    name: 'peak RSS, whole run (kernel maxRSS)',
    value: result.maxRss / MB,
    unit: 'MB',
    note: `bar ~${RSS_BAR / MB} MB: ${result.maxRss <= RSS_BAR ? 'PASS' : 'FAIL'}`,
  });
  return {
    rows,
    verdict: { label: part, sizeBytes: result.size, maxRss: result.maxRss, pass: result.maxRss <= RSS_BAR },
  };
}

/** The 2 GiB put (convergent) and get, in a child of its own. */
export async function runMemory2G({ threads, log }) {
  const sizeBytes = 2 * 2 ** 30;
  const phases = ['put-convergent', 'get'];
  const result = await runGrid({ label: 'memory-2048MiB', sizeBytes, phases, threads, log });
  const part = 'memory 2048 MiB';
  const { rows, verdict } = memoryRows(part, result);
  return { result, rows: [...phaseRows(part, result), ...rows], verdict };
}
