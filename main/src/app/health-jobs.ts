import { randomUUID } from 'node:crypto';
import { formatCap, isDirectoryCap, parseCap, type Cap, type Grid } from '@grid-sftp/core';
import type { HealthAction, HealthJobView } from '@grid-sftp/core/api';

interface Item {
  readonly cap: Cap;
  readonly path: string;
}

/**
 * Check, verify or repair a whole tree (every directory and file reachable from a root) with
 * progress: the UI's Storage view starts these; `total` grows as the walk discovers children, so
 * progress is honest rather than guessed. A tree that reaches a directory twice (shared caps,
 * cycles) visits it once.
 */
export class HealthJobs {
  private readonly jobs = new Map<string, HealthJobView>();

  constructor(
    private readonly grid: () => Grid,
    private readonly changed: (job: HealthJobView) => void,
    private readonly log: (level: 'info' | 'warn', message: string) => void,
  ) {}

  list(): HealthJobView[] {
    return [...this.jobs.values()];
  }

  start(action: HealthAction, root: Cap, target: string): HealthJobView {
    const job: HealthJobView = {
      id: randomUUID(),
      action,
      target,
      state: 'running',
      done: 0,
      total: 1,
      startedAt: Date.now(),
      problems: [],
    };
    this.set(job);
    this.log('info', `${action} of ${target} started`);
    void this.run(job, root);
    return job;
  }

  private set(job: HealthJobView): void {
    this.jobs.set(job.id, job);
    // Keep the last 50 jobs: a finished job is history, not state.
    for (const id of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - 50))) this.jobs.delete(id);
    this.changed(job);
  }

  private async run(initial: HealthJobView, root: Cap): Promise<void> {
    let job = initial;
    const queue: Item[] = [{ cap: root, path: '/' }];
    const seen = new Set<string>();
    const problems: string[] = [];
    let unresolved = 0;
    let lastEmit = 0;
    try {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        const key = formatCap(item.cap);
        if (seen.has(key)) continue;
        seen.add(key);
        const problem = await this.examine(job.action, item);
        if (problem !== undefined) {
          problems.push(problem.text);
          if (!problem.fixed) unresolved++;
        }
        if (isDirectoryCap(item.cap)) {
          for (const entry of await this.grid().listDirectory(item.cap)) {
            const text = entry.writeCap ?? entry.readCap;
            if (text === undefined) continue;
            let cap: Cap;
            try {
              cap = parseCap(text);
            } catch {
              continue;
            }
            if (cap.kind === 'unknown') continue;
            queue.push({ cap, path: `${item.path === '/' ? '' : item.path}/${entry.name}` });
          }
        }
        job = { ...job, done: seen.size, total: seen.size + queue.length, problems: [...problems] };
        // Progress at most ~5 times a second: a tree of small files would flood the UI otherwise.
        if (Date.now() - lastEmit > 200) {
          lastEmit = Date.now();
          this.set(job);
        }
      }
      const healthy = unresolved === 0;
      const verb = { check: 'checked', verify: 'verified', repair: 'repaired' }[job.action];
      job = {
        ...job,
        state: healthy ? 'healthy' : 'unhealthy',
        finishedAt: Date.now(),
        summary: healthy
          ? `${seen.size} object(s) ${verb}: ${problems.length === 0 ? 'all healthy' : `all healthy now (${problems.length} repaired)`}`
          : `${seen.size} object(s) ${verb}: ${unresolved} problem(s)`,
      };
      this.log(healthy ? 'info' : 'warn', `${job.action} of ${job.target}: ${job.summary ?? ''}`);
    } catch (error) {
      job = {
        ...job,
        state: 'failed',
        finishedAt: Date.now(),
        summary: error instanceof Error ? error.message : String(error),
      };
      this.log('warn', `${job.action} of ${job.target} failed: ${job.summary ?? ''}`);
    }
    this.set(job);
  }

  /** One object: a line saying what is (or was, when `fixed`) wrong with it; undefined when fine. */
  private async examine(
    action: HealthAction,
    { cap, path }: Item,
  ): Promise<{ text: string; fixed: boolean } | undefined> {
    if (cap.kind === 'unknown') return undefined;
    const target = cap;
    const grid = this.grid();
    if (action === 'check') {
      const r = await grid.check(target);
      if (r.healthy) return undefined;
      return {
        text: `${path}: ${r.sharesFound} of ${r.sharesTotal} shares found${r.recoverable ? '' : ' (NOT recoverable)'}`,
        fixed: false,
      };
    }
    if (action === 'verify') {
      const r = await grid.verify(target);
      if (r.intact) return undefined;
      return {
        text: `${path}: ${r.sharesFound} of ${r.sharesTotal} shares intact${r.recoverable ? '' : ' (NOT recoverable)'}`,
        fixed: false,
      };
    }
    const r = await grid.repair(target);
    if (!r.after.intact)
      return {
        text: `${path}: still ${r.after.sharesFound} of ${r.after.sharesTotal} shares after repair`,
        fixed: false,
      };
    if (r.regenerated.length > 0 || r.removed.length > 0)
      return {
        text: `${path}: repaired (${r.regenerated.length} share(s) regenerated, ${r.removed.length} corrupt removed)`,
        fixed: true,
      };
    return undefined;
  }
}
