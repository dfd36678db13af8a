// Temp folders of one bench run, removed on every exit path: normal end, error, Ctrl-C.
// Bench files are gigabytes, so a leftover after an interrupted run is a real cost to the user.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set();
const children = new Set();
let interrupted = false;

/** BENCH_TMPDIR lets a user put the gigabytes on another disk than /tmp. */
export function makeTempDir(prefix, base = process.env.BENCH_TMPDIR ?? tmpdir()) {
  const dir = mkdtempSync(join(base, `grid-sftp-bench-${prefix}-`));
  live.add(dir);
  return dir;
}

export function removeTempDir(dir) {
  // maxRetries: a just-killed child's worker threads may still be closing files in the folder.
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  live.delete(dir);
}

/** A child process that must be stopped before its folders can be removed on Ctrl-C. */
export function trackChild(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function wasInterrupted() {
  return interrupted;
}

function removeAll() {
  for (const dir of [...live]) {
    try {
      removeTempDir(dir);
    } catch (error) {
      process.stderr.write(`[bench] could not remove ${dir}: ${error.message}\n`);
    }
  }
}

/**
 * Ctrl-C / SIGTERM: kill the children first (their open files would otherwise race the removal),
 * wait for them briefly, remove the folders, exit with the usual 128+signal status.
 */
export function installCleanupHandlers() {
  const onSignal = (signal, code) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n[bench] ${signal}: stopping and removing temp folders\n`);
    const waits = [...children].map(
      (child) =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGKILL');
        }),
    );
    const timeout = new Promise((resolve) => setTimeout(resolve, 3000).unref());
    void Promise.race([Promise.all(waits), timeout]).then(() => {
      removeAll();
      process.exit(code);
    });
  };
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  // Last resort for paths that skip the finally blocks (process.exit elsewhere).
  process.on('exit', removeAll);
}
