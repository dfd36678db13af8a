import type { Grid } from '@grid-sftp/core';

export const ONLY_SFTP = 'This server speaks only SFTP: use sftp, scp, sshfs or another SFTP client.\n';

/** `df -P -k /` (and the variations sshfs and people type): the only command this server runs. */
export function isDfCommand(command: string): boolean {
  return /^\s*df(\s+(-[Pkh]+|--portability|--block-size=1K|\/|\.))*\s*$/.test(command);
}

/** A POSIX `df -P -k` report of the grid: capacity after the n/k expansion, in KiB. */
export async function dfReport(grid: Grid): Promise<string> {
  const capacity = await grid.capacity();
  const total = Math.floor(capacity.effectiveTotalBytes / 1024);
  const available = Math.floor(capacity.effectiveFreeBytes / 1024);
  const used = Math.max(0, total - available);
  const percent = total === 0 ? 0 : Math.ceil((used / total) * 100);
  return (
    'Filesystem     1024-blocks      Used Available Capacity Mounted on\n' +
    `grid-sftp ${String(total).padStart(16)} ${String(used).padStart(9)} ${String(available).padStart(9)} ${`${percent}%`.padStart(8)} /\n`
  );
}
