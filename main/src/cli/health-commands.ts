import type { Command } from 'commander';
import { CapError, type AnyVerifyCap, type Cap, type LitCap } from '@grid-sftp/core';
import type { OpenHome } from '../home/home.js';
import { parseCapPath, resolveCapPath } from './cap-path.js';
import { capFacts } from './describe-cap.js';
import { CommandFailed } from './errors.js';
import { checkLines, repairLines, verifyLines } from './health-report.js';
import { printLine } from './output.js';
import { run } from './run.js';
import { withHome } from './session.js';

function checkable(cap: Cap): AnyVerifyCap | LitCap {
  if (cap.kind === 'unknown') throw new CapError('an unknown kind of cap cannot be checked');
  return cap;
}

function headline(cap: Cap): string {
  const facts = capFacts(cap);
  const what = facts.type === 'directory' ? facts.kind : `${facts.type}, ${facts.kind}`;
  return facts.size === undefined ? what : `${what}, ${facts.size} bytes`;
}

/** LIT files live inside their cap: there is nothing stored that could be missing or corrupt. */
function literalNote(cap: Cap): boolean {
  if (cap.kind !== 'lit') return false;
  printLine(`${headline(cap)}`);
  printLine('nothing stored: the whole file is inside its cap, so it is always healthy');
  return true;
}

type Action = 'check' | 'verify' | 'repair';

async function runHealth(action: Action, home: OpenHome, capText: string): Promise<void> {
  const grid = home.grid();
  const { cap } = await resolveCapPath(grid, capText);
  const target = checkable(cap);
  if (literalNote(cap)) return;
  printLine(headline(cap));
  if (action === 'check') {
    const report = await grid.check(target);
    for (const line of checkLines(home, report)) printLine(line);
    if (!report.healthy)
      throw new CommandFailed(
        `not healthy: ${report.sharesFound} of ${report.sharesTotal} shares found, happiness ${report.happiness}${report.recoverable ? '' : ', NOT recoverable'}`,
      );
    return;
  }
  if (action === 'verify') {
    const report = await grid.verify(target);
    for (const line of verifyLines(home, report)) printLine(line);
    if (!report.intact) {
      const bad = report.shares.filter((s) => !s.ok).length;
      throw new CommandFailed(
        `not intact: ${report.sharesFound} of ${report.sharesTotal} shares good, ${bad} bad${report.recoverable ? ' (run repair)' : ', NOT recoverable'}`,
      );
    }
    return;
  }
  const report = await grid.repair(target);
  for (const line of repairLines(home, report)) printLine(line);
  const { after } = report;
  if (!after.intact || !after.healthy) {
    throw new CommandFailed(
      `repair incomplete: ${after.sharesFound} of ${after.sharesTotal} shares good, happiness ${after.happiness} (the grid wants ${home.encoding.happy})`,
    );
  }
}

export function registerHealthCommands(program: Command): void {
  const commands: Array<[Action, string]> = [
    ['check', 'are all shares there, on enough nodes? (lists shares, reads none); exit 0 when healthy'],
    ['verify', 'read and check every share; exit 0 when all are intact'],
    ['repair', 'rebuild missing or corrupt shares from intact ones; exit 0 when healed'],
  ];
  for (const [action, description] of commands) {
    program
      .command(action)
      .description(description)
      .argument('<cap>', 'CAP or DIRCAP/PATH (a verify cap is enough)')
      .action(
        run(async (capText: string, _options: unknown, command: Command) => {
          parseCapPath(capText); // a bad cap fails before the home is even opened
          await withHome(command, (home) => runHealth(action, home, capText));
        }),
      );
  }
}
