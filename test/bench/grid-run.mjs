// Parent side of one grid run: writes the random source file (untimed), runs grid-child.mjs in a
// fresh process, checks the round trip by SHA-256, and removes every file it made.
import { NODE_FLAGS } from './node-flags.mjs';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeTempDir, trackChild } from './temp.mjs';
import { sha256File, writeRandomFile } from './source.mjs';

const CHILD = fileURLToPath(new URL('./grid-child.mjs', import.meta.url));

function runChild(config) {
  return new Promise((resolve, reject) => {
    // --expose-gc: the child collects between phases so each phase's peak RSS is its own.
    const child = fork(CHILD, [JSON.stringify(config)], {
      execArgv: ['--expose-gc', ...NODE_FLAGS],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    trackChild(child);
    let message;
    child.on('message', (m) => (message = m));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (message?.ok) resolve(message.result);
      else if (message) reject(new Error(`grid run ${config.label} failed:\n${message.error}`));
      else
        reject(new Error(`grid run ${config.label} exited with ${signal ?? `status ${code}`} and no result`));
    });
  });
}

/**
 * One grid run of `sizeBytes` through the given phases (put-convergent, put-random, get).
 * The temp folder (source, five node folders, output) is removed whatever happens.
 */
export async function runGrid({
  label,
  sizeBytes,
  phases,
  aesReference = false,
  rounds = 1,
  threads,
  log,
  baseDir,
}) {
  const dir = makeTempDir(label, baseDir);
  try {
    const source = join(dir, 'source.bin');
    log(`${label}: writing ${(sizeBytes / 2 ** 20).toFixed(0)} MiB of random bytes (not timed)`);
    const sourceHash = writeRandomFile(source, sizeBytes);
    const result = await runChild({
      label,
      source,
      size: sizeBytes,
      workDir: dir,
      phases,
      aesReference,
      rounds,
      threads,
    });
    const get = result.phases.find((p) => p.name === 'get');
    if (get !== undefined) {
      log(`${label}: checking the round trip (SHA-256, not timed)`);
      const outputHash = await sha256File(get.output);
      if (outputHash !== sourceHash) {
        throw new Error(`${label}: get returned different bytes (sha256 ${outputHash} ≠ ${sourceHash})`);
      }
      get.verified = true;
    }
    return result;
  } finally {
    removeTempDir(dir);
  }
}
