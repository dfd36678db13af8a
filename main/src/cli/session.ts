import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openHome, type OpenHome } from '../home/home.js';
import { defaultHomeDir } from '../home/paths.js';
import { warn } from './output.js';

/** The home folder for this invocation: --home (before or after the subcommand), else the default. */
export function homeDirOf(command: Command): string {
  const { home } = command.optsWithGlobals<{ home?: string }>();
  return resolve(home ?? defaultHomeDir());
}

/**
 * Opens the home, runs `work`, and always closes it again: the grid owns worker threads and the
 * nodes hold lock files, and either would keep the process alive or leave stale locks behind.
 */
export async function withHome<T>(command: Command, work: (home: OpenHome) => Promise<T>): Promise<T> {
  const home = await openHome(homeDirOf(command), warn);
  let result: T;
  try {
    result = await work(home);
  } catch (error) {
    await home.close().catch((closeError: unknown) => warn(`while closing: ${String(closeError)}`));
    throw error;
  }
  await home.close();
  return result;
}
