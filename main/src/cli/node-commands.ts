import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addLocalNode, nodeErrorReason, type HomeNode } from '../home/home.js';
import { formatBytes } from './numbers.js';
import { printLine } from './output.js';
import { run } from './run.js';
import { homeDirOf, withHome } from './session.js';

export interface NodeStatus {
  id: string;
  kind: string;
  path: string;
  ok: boolean;
  totalBytes?: number;
  freeBytes?: number;
  usedBytes?: number;
  error?: string;
}

async function statusOf(node: HomeNode): Promise<NodeStatus> {
  const base = { id: node.entry.id, kind: node.entry.kind, path: node.path };
  if (node.unavailable !== undefined) return { ...base, ok: false, error: node.unavailable };
  try {
    return { ...base, ok: true, ...(await node.node.space()) };
  } catch (error) {
    return { ...base, ok: false, error: nodeErrorReason(error) };
  }
}

function printTable(rows: readonly string[][]): void {
  const widths = rows.reduce<number[]>(
    (w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)),
    [],
  );
  for (const row of rows)
    printLine(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}

export function registerNodeCommands(program: Command): void {
  const node = program.command('node').description('list and add storage nodes');

  node
    .command('list')
    .description('show every storage node with its capacity and use')
    .option('--json', 'print JSON: [{ id, kind, path, ok, totalBytes, freeBytes, usedBytes, error? }]')
    .action(
      run(async (options: { json?: boolean }, command: Command) => {
        const statuses = await withHome(command, (home) => Promise.all(home.nodes.map(statusOf)));
        if (options.json === true) {
          printLine(JSON.stringify(statuses, null, 2));
          return;
        }
        const size = (bytes: number | undefined): string => (bytes === undefined ? '-' : formatBytes(bytes));
        printTable([
          ['ID', 'KIND', 'STATUS', 'TOTAL', 'FREE', 'USED', 'PATH'],
          ...statuses.map((s) => [
            s.id,
            s.kind,
            s.ok ? 'ok' : 'unavailable',
            size(s.totalBytes),
            size(s.freeBytes),
            size(s.usedBytes),
            s.error === undefined ? s.path : `${s.path}  (${s.error})`,
          ]),
        ]);
      }),
    );

  node
    .command('add-local')
    .description(
      'add a local folder as a storage node (new, or an existing node folder adopted with its shares)',
    )
    .argument('<dir>', 'folder for the node: empty or missing, or an existing node folder')
    .action(
      run(async (dir: string, _options: unknown, command: Command) => {
        const entry = await addLocalNode(homeDirOf(command), dir);
        printLine(`Added storage node ${entry.id} at ${resolve(dir)}`);
      }),
    );
}
