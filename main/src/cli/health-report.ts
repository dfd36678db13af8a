import type { CheckReport, RepairReport, VerifyReport } from '@grid-sftp/core';
import type { OpenHome } from '../home/home.js';
import { describeProblem } from './share-problems.js';

const yes = (flag: boolean): string => (flag ? 'yes' : 'NO');

/** The lines every report starts with: share counts, happiness, and the verdicts. */
export function summaryLines(home: OpenHome, report: CheckReport): string[] {
  const nodes = new Set(report.placements.map((p) => p.nodeId)).size;
  const lines = [
    `shares:      ${report.sharesFound} of ${report.sharesTotal} found on ${nodes} node(s); ${report.sharesNeeded} needed to read`,
    `happiness:   ${report.happiness} (the grid wants ${Math.min(home.encoding.happy, report.sharesTotal)})`,
    `recoverable: ${yes(report.recoverable)}`,
    `healthy:     ${yes(report.healthy)}`,
  ];
  if ('intact' in report) lines.push(`intact:      ${yes((report as VerifyReport).intact)}`);
  return lines;
}

export function problemLines(home: OpenHome, report: CheckReport): string[] {
  if (report.problems.length === 0) return [];
  return ['problems:', ...report.problems.map((p) => `  ${describeProblem(home, p)}`)];
}

export function checkLines(home: OpenHome, report: CheckReport): string[] {
  const placed = [...report.placements]
    .sort((a, b) => a.shnum - b.shnum)
    .map((p) => `  share ${p.shnum} on node ${home.describeNode(p.nodeId)}`);
  return [
    ...summaryLines(home, report),
    ...(placed.length > 0 ? ['placements:', ...placed] : []),
    ...problemLines(home, report),
  ];
}

export function verifyLines(home: OpenHome, report: VerifyReport): string[] {
  const shares = [...report.shares]
    .sort((a, b) => a.shnum - b.shnum)
    .map(
      (s) =>
        `  share ${s.shnum} on node ${home.describeNode(s.nodeId)}: ${s.ok ? 'ok' : `BAD: ${s.reason ?? 'corrupt'}`}`,
    );
  // Bad shares are already listed with their reason; only the other problems (dead nodes) remain.
  const rest = report.problems.filter(
    (p) => !report.shares.some((s) => !s.ok && s.nodeId === p.nodeId && s.shnum === p.shnum),
  );
  return [
    ...summaryLines(home, report),
    ...(shares.length > 0 ? ['shares read:', ...shares] : []),
    ...problemLines(home, { ...report, problems: rest }),
  ];
}

export function repairLines(home: OpenHome, report: RepairReport): string[] {
  const place = (list: RepairReport['regenerated']): string[] =>
    list.map((p) => `  share ${p.shnum} on node ${home.describeNode(p.nodeId)}`);
  return [
    'before repair:',
    ...verifyLines(home, report.before).map((line) => `  ${line}`),
    ...(report.regenerated.length > 0
      ? ['regenerated:', ...place(report.regenerated)]
      : ['regenerated: nothing']),
    ...(report.removed.length > 0 ? ['removed corrupt copies:', ...place(report.removed)] : []),
    'after repair:',
    ...verifyLines(home, report.after).map((line) => `  ${line}`),
  ];
}
