import { formatBytes } from './bytes.js';

/** Average transfer speed since `startedAt`, or `—` before there is anything to average. */
export function formatRate(bytes: number, startedAt: number, now: number): string {
  const seconds = (now - startedAt) / 1000;
  if (seconds <= 0 || bytes <= 0) return '—';
  return `${formatBytes(bytes / seconds)}/s`;
}

/** Whole percent, never above 100 (totals can be estimates that the work overtakes). */
export function formatPercent(done: number, total: number): string {
  if (total <= 0) return '0%';
  return `${Math.min(100, Math.floor((done / total) * 100))}%`;
}
