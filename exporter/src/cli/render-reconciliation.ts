import type { ReconciliationJson } from '../reconcile/reconciliation-json.js';

/** `12.345678000000` -> `$12.345678`, `-0.5` -> `-$0.500000`: micro-dollars, enough to see a 2 % gap on cents. */
function usd(decimal: string): string {
  const negative = decimal.startsWith('-');
  const [whole = '0', frac = ''] = decimal.replace(/^-/, '').split('.');
  return `${negative ? '-' : ''}$${whole}.${frac.padEnd(6, '0').slice(0, 6)}`;
}

function ratio(r: number | null): string {
  if (r === null) return 'n/a';
  return `${r > 0 ? '+' : ''}${(r * 100).toFixed(2)}%`;
}

function table(header: string[], rows: string[][], leftColumns: number): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

/** The reconciliation as plain-text tables: the verdict per day and provider, then every model row (flagged ones marked `!`). */
export function renderReconciliation(r: ReconciliationJson): string {
  const s = r.summary;
  const lines = [
    `Invoice reconciliation  ${r.from} .. ${r.to} (end exclusive), tolerance ${r.tolerance_pct}%`,
    `Rated ${usd(s.rated_usd)}   invoiced ${usd(s.invoice_usd)}   ${s.flagged_days} of ${s.days} provider-days and ${s.flagged_rows} of ${s.rows} model rows outside tolerance`,
    '',
  ];
  if (r.days.length === 0) lines.push('No invoice lines in this period: import one with "agentic-pnl invoices import FILE --format ...".');
  else {
    lines.push(...table(['', 'Day', 'Provider', 'Rated', 'Invoiced', 'Difference', 'Variance'], r.days.map((d) => [d.flagged ? '!' : ' ', d.day, d.provider, usd(d.rated_usd), usd(d.invoice_usd), usd(d.diff_usd), ratio(d.variance_ratio)]), 3));
    lines.push('');
    lines.push(
      ...table(
        ['', 'Day', 'Provider', 'Model', 'Rated', 'Invoiced', 'Difference', 'Variance', 'Status'],
        r.rows.map((x) => [x.flagged ? '!' : ' ', x.day, x.provider, x.model, usd(x.rated_usd), usd(x.invoice_usd), usd(x.diff_usd), ratio(x.variance_ratio), x.status + (x.unpriced_calls > 0 ? ` (${x.unpriced_calls} unpriced calls)` : '')]),
        4,
      ),
    );
  }
  for (const u of r.uninvoiced) lines.push('', `Not compared: ${usd(u.rated_usd)} rated for ${u.provider} on ${u.days} day(s) no imported invoice covers.`);
  return `${lines.join('\n')}\n`;
}
