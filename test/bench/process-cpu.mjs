// CPU seconds a server process has used, its threads and its reaped children included (Linux
// /proc). Wall-time ratios on a shared 2-core machine swing by 30% from run to run; the CPU each
// server spent on the same work varies far less, so the bench prints both.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** utime + stime + cutime + cstime of `pid`, in seconds; undefined where /proc cannot say. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which sits in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** Waits (up to 2 s) until `pid` has no child processes, so their CPU has been counted. */
export async function childrenReaped(pid) {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    } catch {
      return;
    }
    if (children === '') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
