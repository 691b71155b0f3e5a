import { styleText } from 'node:util';
import type { CustomerLine, PortfolioSummary, RiskTier } from '../pnl/portfolio-types.js';

type Style = Parameters<typeof styleText>[0];

/** `$1,234.50`, `-$0.01`; an amount that rounds to zero cents has no sign (not `-$0.00`). */
export function usdAmount(n: number): string {
  const cents = Math.round(Math.abs(n) * 100);
  const text = `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return n < 0 && cents > 0 ? `-${text}` : text;
}
const pct = (n: number | null): string => (n === null ? '—' : `${n.toFixed(1)}%`);

const TIER_STYLE: Record<RiskTier, Style> = { CRITICAL: ['bold', 'red'], HIGH: 'red', MEDIUM: 'yellow', LOW: 'green' };

/**
 * The portfolio P&L as a terminal table. With `color`, losses and risk tiers are coloured (use it
 * only on a TTY, so piped output stays plain text).
 */
export function renderReport(summary: PortfolioSummary, options: { top: number; color: boolean }): string {
  const paint = (style: Style, s: string): string => (options.color ? styleText(style, s) : s);
  const t = summary.totals;
  const lines: string[] = [];
  lines.push(paint('bold', `Agentic P&L  ${summary.period.from} .. ${summary.period.to} (end exclusive)`));
  lines.push(
    `Revenue ${usdAmount(t.revenue)}   LLM cost ${usdAmount(t.totalCost)} (base ${usdAmount(t.baseCost)}, evolution ${usdAmount(t.evolutionCost)})   ` +
      `P&L ${paint(t.pnl < 0 ? 'red' : 'green', usdAmount(t.pnl))}   margin ${pct(t.marginPct)}`,
  );
  lines.push(
    `${t.customers} customers, ${t.calls.toLocaleString('en-US')} LLM calls, ${t.runs.toLocaleString('en-US')} agent runs` +
      (t.unpricedCalls > 0 ? paint('yellow', `, ${t.unpricedCalls} unpriced calls (add their models to the price book)`) : ''),
  );
  const tiers = (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const).map((k) => paint(TIER_STYLE[k], `${k} ${summary.customersByRiskTier[k]}`));
  lines.push(`Risk: ${tiers.join('  ')}`);
  lines.push('');
  const header = ['Customer', 'Tier', 'Revenue', 'LLM cost', 'Evolution', 'P&L', 'Margin', 'Fail %', 'Risk'];
  const rows = summary.customers.slice(0, options.top).map((c) => row(c));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.text.length)));
  const fmt = (cells: Array<{ text: string; style?: Style }>): string =>
    cells.map((c, i) => {
      const padded = i < 2 ? c.text.padEnd(widths[i]!) : c.text.padStart(widths[i]!);
      return c.style ? paint(c.style, padded) : padded;
    }).join('  ');
  lines.push(paint('bold', fmt(header.map((text) => ({ text })))));
  for (const r of rows) lines.push(fmt(r));
  if (summary.customers.length > options.top) lines.push(`... and ${summary.customers.length - options.top} more (--top)`);
  if (summary.unprofitable.length > 0) {
    lines.push('');
    lines.push(paint('bold', 'Losing money'));
    for (const u of summary.unprofitable) lines.push(`  ${paint('red', u.customer)}  loss ${usdAmount(u.loss)}: ${u.action}`);
  }
  return `${lines.join('\n')}\n`;
}

function row(c: CustomerLine): Array<{ text: string; style?: Style }> {
  return [
    { text: c.customer },
    { text: c.tier || '—' },
    { text: `${usdAmount(c.revenue)}${c.revenueEstimated ? '*' : ''}` },
    { text: usdAmount(c.totalCost) },
    { text: usdAmount(c.evolutionCost) },
    { text: usdAmount(c.pnl), ...(c.pnl < 0 ? { style: 'red' as Style } : {}) },
    { text: pct(c.marginPct) },
    { text: `${(c.failureRate * 100).toFixed(1)}%` },
    { text: `${c.riskTier} ${Math.round(c.riskScore)}`, style: TIER_STYLE[c.riskTier] },
  ];
}
