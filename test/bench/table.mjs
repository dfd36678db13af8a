// Plain-text table for the terminal: one row per figure, values right-aligned so they compare at
// a glance. No dependency: the bench must run on a bare checkout after `npm run build`.

function formatValue(value) {
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatTable(rows) {
  const header = ['part', 'measure', 'value', 'unit', 'note'];
  const cells = rows.map((r) => [r.part ?? '', r.name, formatValue(r.value), r.unit ?? '', r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) =>
    c
      .map((text, i) => (i === 2 ? text.padStart(widths[i]) : text.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(header), rule];
  let previousPart;
  for (const [i, c] of cells.entries()) {
    // A blank line between parts keeps a 40-row table readable.
    if (previousPart !== undefined && rows[i].part !== previousPart) out.push('');
    previousPart = rows[i].part;
    out.push(line(c));
  }
  return out.join('\n');
}

export { formatValue };
