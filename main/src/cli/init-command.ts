import type { Command } from 'commander';
import { initHome } from '../home/home.js';
import { DEFAULT_NODE_COUNT } from '../home/encoding.js';
import { wholeNumber } from './numbers.js';
import { printLine } from './output.js';
import { run } from './run.js';
import { homeDirOf } from './session.js';

interface InitOptions {
  nodes?: number;
  k?: number;
  happy?: number;
  n?: number;
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('create a new grid home with local storage nodes inside it')
    .option('--nodes <count>', `local storage nodes to create (default ${DEFAULT_NODE_COUNT})`, wholeNumber)
    .option('--k <k>', 'shares needed to read a file (default: about 60% of n)', wholeNumber)
    .option('--happy <h>', 'distinct nodes an upload must reach (default: k + 1)', wholeNumber)
    .option('--n <n>', 'shares made of each file (default: the node count, at most 10)', wholeNumber)
    .action(
      run(async (options: InitOptions, command: Command) => {
        const home = homeDirOf(command);
        const config = await initHome(home, {
          nodes: options.nodes,
          encoding: { k: options.k, happy: options.happy, n: options.n },
        });
        const { k, happy, n } = config.encoding;
        printLine(`Created a grid home at ${home}`);
        printLine(`  ${config.nodes.length} local storage node(s) in ${home}/nodes`);
        printLine(`  encoding: ${k}-of-${n} (any ${k} of ${n} shares rebuild a file), happy ${happy}`);
        printLine(`Next: grid-sftp put FILE    (prints the file's cap)`);
      }),
    );
}
