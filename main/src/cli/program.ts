// The CLI is built on commander: it is small, has no dependencies, types its options, handles
// nested subcommands (`node list`) and options that may come before or after the subcommand
// (`--home`), and lets us own exit codes and error output (exitOverride, configureOutput), which
// is all a one-line-error CLI needs. yargs is heavier and oclif is a framework.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { defaultHomeDir } from '../home/paths.js';
import { registerAccountCommands } from './account-commands.js';
import { registerServeCommand } from './serve-command.js';
import { registerDirectoryCommands } from './directory-commands.js';
import { registerFileCommands } from './file-commands.js';
import { registerHealthCommands } from './health-commands.js';
import { registerInitCommand } from './init-command.js';
import { registerNodeCommands } from './node-commands.js';
import { oneLine, PROGRAM } from './output.js';
import { EXIT_OK, EXIT_USAGE } from './run.js';

function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

export function createProgram(): Command {
  const program = new Command(PROGRAM);
  // Settings first: subcommands copy them when they are created.
  program
    .exitOverride()
    .configureOutput({
      outputError: (text, write) =>
        write(`${PROGRAM}: ${oneLine(text.replace(/^error: /, ''))} (see ${PROGRAM} --help)\n`),
    })
    .showSuggestionAfterError(true)
    .description('Grid SFTP: a private, encrypted, self-healing storage grid over the disks you have')
    .version(packageVersion(), '-V, --version')
    .option('--home <dir>', `grid home folder (default: $GRID_SFTP_HOME, else ${defaultHomeDir({})})`);
  registerInitCommand(program);
  registerNodeCommands(program);
  registerFileCommands(program);
  registerDirectoryCommands(program);
  registerHealthCommands(program);
  registerAccountCommands(program);
  registerServeCommand(program);
  return program;
}

/** Parses and runs one command line; returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    throw error;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
}
