import type { Command } from 'commander';
import { DirectoryError, formatCap, isDirectoryCap } from '@grid-sftp/core';
import { parseCapPath, resolveCapPath, resolveParent, splitParent } from './cap-path.js';
import { describeFile, listedEntry, type ListedEntry } from './describe-cap.js';
import { formatTime } from './numbers.js';
import { printLine } from './output.js';
import { run } from './run.js';
import { withHome } from './session.js';

function entryLine(type: string, size: number | undefined, mtime: number | undefined, name: string): string {
  return `${type.padEnd(9)}  ${(size === undefined ? '-' : String(size)).padStart(12)}  ${formatTime(mtime).padEnd(20)}  ${name}`;
}

export function registerDirectoryCommands(program: Command): void {
  program
    .command('mkdir')
    .description('create a directory; prints its write cap on the last line')
    .argument(
      '[path]',
      'DIRCAP/PATH/NAME to create it inside an existing directory (default: a new unlinked one)',
    )
    .action(
      run(async (path: string | undefined, _options: unknown, command: Command) => {
        if (path !== undefined) parseCapPath(path); // a bad cap fails before the home is even opened
        const cap = await withHome(command, async (home) => {
          const grid = home.grid();
          if (path === undefined) return grid.createDirectory();
          const { parent, name } = splitParent(path, 'new directory name');
          const dir = await resolveParent(grid, parent);
          // Checked first so a taken name costs no orphan directory; no-overwrite still guards the race.
          if ((await grid.listDirectory(dir)).some((entry) => entry.name === name.normalize('NFC'))) {
            throw new DirectoryError('exists', `"${name}" already exists`);
          }
          const created = await grid.createDirectory();
          await grid.addChild(dir, name, created, { mode: 'no-overwrite' });
          return created;
        });
        printLine(formatCap(cap));
      }),
    );

  program
    .command('ls')
    .description('list a directory, or describe a file')
    .argument('<cap>', 'CAP or DIRCAP/PATH')
    .option('--json', 'print JSON: for a directory [{ name, type, size?, readCap, writeCap?, metadata }]')
    .action(
      run(async (capText: string, options: { json?: boolean }, command: Command) => {
        parseCapPath(capText); // a bad cap fails before the home is even opened
        await withHome(command, async (home) => {
          const grid = home.grid();
          const { cap, entry } = await resolveCapPath(grid, capText);
          if (isDirectoryCap(cap)) {
            const entries: ListedEntry[] = (await grid.listDirectory(cap)).map(listedEntry);
            if (options.json === true) printLine(JSON.stringify(entries, null, 2));
            else for (const e of entries) printLine(entryLine(e.type, e.size, e.metadata.mtime, e.name));
            return;
          }
          const file = await describeFile(grid, cap, entry);
          if (options.json === true) printLine(JSON.stringify(file, null, 2));
          else
            printLine(entryLine(file.type, file.size, file.metadata?.mtime, file.name ?? `(${file.kind})`));
        });
      }),
    );
}
