import { formatPicoUsd } from '../price/money.js';
import type { Reconciliation, RowStatus } from './compare-invoice.js';

/** A compared row as the API returns it: exact amounts as decimal strings with 12 decimals. */
export interface ReconciliationRowJson {
  day: string;
  provider: string;
  model: string;
  rated_models: string[];
  invoice_models: string[];
  rated_usd: string;
  invoice_usd: string;
  diff_usd: string;
  variance_ratio: number | null;
  status: RowStatus;
  flagged: boolean;
  calls: number;
  unpriced_calls: number;
  line_items: number;
}

export interface ReconciliationDayJson {
  day: string;
  provider: string;
  rated_usd: string;
  invoice_usd: string;
  diff_usd: string;
  variance_ratio: number | null;
  flagged: boolean;
}

/** `GET /api/v1/reconciliation`'s body. */
export interface ReconciliationJson {
  from: string;
  to: string;
  tolerance_pct: number;
  summary: { rows: number; flagged_rows: number; days: number; flagged_days: number; rated_usd: string; invoice_usd: string };
  days: ReconciliationDayJson[];
  rows: ReconciliationRowJson[];
  /** The flagged rows again, for readers that want only what needs attention. */
  flagged: ReconciliationRowJson[];
  uninvoiced: Array<{ provider: string; days: number; rated_usd: string }>;
}

/** Renders a reconciliation for the API (bigint pico-dollars become exact decimal text). */
export function reconciliationJson(r: Reconciliation, range: { from: string; to: string }, tolerancePct: number): ReconciliationJson {
  const rows = r.rows.map((x) => ({
    day: x.day, provider: x.provider, model: x.model, rated_models: x.ratedModels, invoice_models: x.invoiceModels,
    rated_usd: formatPicoUsd(x.ratedPico), invoice_usd: formatPicoUsd(x.invoicePico), diff_usd: formatPicoUsd(x.diffPico),
    variance_ratio: x.varianceRatio, status: x.status, flagged: x.flagged, calls: x.calls, unpriced_calls: x.unpricedCalls, line_items: x.lineItems,
  }));
  const days = r.days.map((d) => ({
    day: d.day, provider: d.provider, rated_usd: formatPicoUsd(d.ratedPico), invoice_usd: formatPicoUsd(d.invoicePico), diff_usd: formatPicoUsd(d.diffPico),
    variance_ratio: d.varianceRatio, flagged: d.flagged,
  }));
  const sum = (pick: (d: Reconciliation['days'][number]) => bigint): string => formatPicoUsd(r.days.reduce((s, d) => s + pick(d), 0n));
  return {
    from: range.from,
    to: range.to,
    tolerance_pct: tolerancePct,
    summary: {
      rows: rows.length, flagged_rows: rows.filter((x) => x.flagged).length, days: days.length, flagged_days: days.filter((d) => d.flagged).length,
      rated_usd: sum((d) => d.ratedPico), invoice_usd: sum((d) => d.invoicePico),
    },
    days,
    rows,
    flagged: rows.filter((x) => x.flagged),
    uninvoiced: r.uninvoiced.map((u) => ({ provider: u.provider, days: u.days, rated_usd: formatPicoUsd(u.ratedPico) })),
  };
}
