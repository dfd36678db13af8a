import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import {
  chunksOf,
  fileSource,
  formatCap,
  MAX_MUTABLE_SIZE,
  NotEnoughSharesError,
  type Cap,
  type FileReader,
  type KeyChoice,
  type ShareProblem,
} from '@grid-sftp/core';
import type { OpenHome } from '../home/home.js';
import { parseCapPath, resolveCapPath, resolveParent, splitParent } from './cap-path.js';
import { CommandFailed, UsageError, withoutProblemList } from './errors.js';
import { formatBytes } from './numbers.js';
import { printLine, warn } from './output.js';
import { run } from './run.js';
import { withHome } from './session.js';
import { describeProblem, freshProblems } from './share-problems.js';

interface PutOptions {
  mutable?: boolean;
  randomKey?: boolean;
}

async function putFile(home: OpenHome, file: string, options: PutOptions): Promise<Cap> {
  const grid = home.grid();
  // fileSource streams the file (twice for a convergent key: once to hash, once to encode).
  const source = await fileSource(file);
  if (options.mutable === true) {
    if (source.size > MAX_MUTABLE_SIZE) {
      throw new UsageError(
        `${file} is ${formatBytes(source.size)}; a mutable file holds at most ${formatBytes(MAX_MUTABLE_SIZE)} (store it without --mutable)`,
      );
    }
    return grid.createMutableFile(source);
  }
  const key: KeyChoice =
    options.randomKey === true ? 'random' : { convergenceSecret: await home.convergenceSecret() };
  const report = await grid.upload(source, { key });
  for (const problem of freshProblems(home, report.problems)) warn(describeProblem(home, problem));
  return report.cap;
}

/** Links a stored file into a directory as NAME, keeping the local file's mtime. */
async function linkInto(home: OpenHome, dir: Cap, name: string, file: string, cap: Cap): Promise<void> {
  const { mtimeMs } = await stat(file);
  // only-files: putting a file must never silently replace a whole directory.
  await home.grid().addChild(dir, name, cap, { mode: 'only-files', metadata: { mtime: mtimeMs / 1000 } });
}

/** SegmentReader (every stored file's reader) collects the shares it had to skip; FileReader does not say so. */
function problemsOf(reader: FileReader): readonly ShareProblem[] {
  return reader.problems;
}

/** "; 3 of 5 storage nodes are unavailable", the usual reason a file cannot be recovered. */
function unavailableNote(home: OpenHome): string {
  const dead = home.nodes.filter((n) => n.unavailable !== undefined).length;
  return dead === 0 ? '' : `; ${dead} of ${home.nodes.length} storage nodes are unavailable`;
}

async function writeToStdout(reader: FileReader): Promise<void> {
  try {
    // end: false, because stdout is shared with the rest of the process and must stay open.
    await pipeline(Readable.from(reader.stream()), process.stdout, { end: false });
  } catch (error) {
    // The reader went away (`| head`): it has all it wanted, as with any Unix tool.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
    throw error;
  }
}

/**
 * Writes to a temp file beside `target` and renames it over `target` only once every byte has
 * arrived, so a failed get never leaves a partial file (or destroys an existing one).
 */
async function writeToFile(reader: FileReader, target: string): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.grid-sftp-part`);
  const removeTemp = (): void => {
    void unlink(temp).catch(() => undefined);
  };
  const interrupted = (): void => {
    removeTemp();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const handle = await open(temp, 'wx');
  try {
    try {
      for await (const chunk of chunksOf(reader)) await handle.write(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

export function registerFileCommands(program: Command): void {
  program
    .command('put')
    .description('store a file; prints its cap on the last line')
    .argument('<file>', 'the local file to store')
    .argument('[destination]', 'also link it into a directory: DIRCAP/PATH/NAME')
    .option(
      '--mutable',
      `store a mutable file (at most ${formatBytes(MAX_MUTABLE_SIZE)}); prints its write cap`,
    )
    .option('--random-key', 'encrypt with a random key instead of the convergent one (no deduplication)')
    .action(
      run(async (file: string, destination: string | undefined, options: PutOptions, command: Command) => {
        if (options.mutable === true && options.randomKey === true) {
          throw new UsageError(
            '--random-key applies to immutable files; a mutable file always has its own key',
          );
        }
        await fileSource(file); // a missing file or bad cap fails before the home is even opened
        const target = destination === undefined ? undefined : splitParent(destination, 'file name');
        const cap = await withHome(command, async (home) => {
          const dir = target === undefined ? undefined : await resolveParent(home.grid(), target.parent);
          const stored = await putFile(home, file, options);
          if (target !== undefined && dir !== undefined) await linkInto(home, dir, target.name, file, stored);
          return stored;
        });
        printLine(formatCap(cap));
      }),
    );

  program
    .command('get')
    .description('read a file to stdout or to a local file')
    .argument('<cap>', 'CAP or DIRCAP/PATH of the file')
    .option('-o, --output <file>', 'write to this file (complete or not at all) instead of stdout')
    .action(
      run(async (capText: string, options: { output?: string }, command: Command) => {
        parseCapPath(capText); // a bad cap fails before the home is even opened
        await withHome(command, async (home) => {
          const grid = home.grid();
          const { cap } = await resolveCapPath(grid, capText);
          let reader: FileReader | undefined;
          let problems: readonly ShareProblem[] = [];
          try {
            reader = await grid.openFile(cap);
            if (options.output === undefined || options.output === '-') await writeToStdout(reader);
            else await writeToFile(reader, resolve(options.output));
          } catch (error) {
            if (error instanceof NotEnoughSharesError) {
              problems = error.problems;
              throw new CommandFailed(
                `cannot recover the file: ${withoutProblemList(error.message)}${unavailableNote(home)}`,
              );
            }
            throw error;
          } finally {
            if (reader !== undefined) problems = [...problemsOf(reader), ...problems];
            for (const problem of freshProblems(home, problems))
              warn(`skipped ${describeProblem(home, problem)}`);
          }
        });
      }),
    );
}
