import type { CoveredDay, InvoiceTotal } from './parse-invoice-csv.js';
import { modelKey, type ModelAliases } from './model-key.js';

/** Our rated cost of one provider's model on one UTC day (from pnl.llm_costs_daily). */
export interface RatedTotal {
  day: string;
  provider: string;
  model: string;
  costPico: bigint;
  calls: number;
  /** Calls stored without a price: their cost is missing from `costPico`. */
  unpricedCalls: number;
}

/**
 * - `matched`: both sides have the model that day;
 * - `invoice_only`: the invoice bills a model we rated nothing for (missing instrumentation, or a
 *   spelling the matching misses: see PNL_INVOICE_MODEL_ALIASES);
 * - `rated_only`: we rated cost the invoice does not bill (calls attributed to the wrong provider,
 *   or an incomplete export).
 */
export type RowStatus = 'matched' | 'invoice_only' | 'rated_only';

/** One day x provider x model compared. Amounts in pico-dollars. */
export interface ReconciliationRow {
  day: string;
  provider: string;
  /** The matching key (see model-key.ts). */
  model: string;
  /** The names each side used for it, e.g. ["gpt-4o-mini"] and ["gpt-4o-mini-2024-07-18"]. */
  ratedModels: string[];
  invoiceModels: string[];
  ratedPico: bigint;
  invoicePico: bigint;
  /** rated - invoice: positive when we rated more than was billed. */
  diffPico: bigint;
  /** (rated - invoice) / |invoice|; null when the invoice is 0 and we rated something. */
  varianceRatio: number | null;
  status: RowStatus;
  /** True when |rated - invoice| > tolerance x |invoice| (any difference when the invoice is 0). */
  flagged: boolean;
  calls: number;
  unpricedCalls: number;
  lineItems: number;
}

/** A whole day of one provider compared: the seed's "daily accuracy" figure. */
export interface DayReconciliation {
  day: string;
  provider: string;
  ratedPico: bigint;
  invoicePico: bigint;
  diffPico: bigint;
  varianceRatio: number | null;
  flagged: boolean;
}

/** Our cost of a provider on days its invoice does not cover (not compared, reported so nothing is hidden). */
export interface Uninvoiced {
  provider: string;
  days: number;
  ratedPico: bigint;
}

export interface Reconciliation {
  rows: ReconciliationRow[];
  days: DayReconciliation[];
  uninvoiced: Uninvoiced[];
}

export interface CompareOptions {
  /** Tolerance in percent (2 = 2 %); compared exactly, to a millionth of a percent. */
  tolerancePct: number;
  aliases?: ModelAliases;
}

/**
 * Compares our rated totals with invoice totals per (day, provider, model key). A day and provider
 * is compared only when an invoice covers it: has a total for it, or is listed in `covered` (an
 * imported file had a line for it that billed nothing, such as an empty OpenAI bucket, so our cost
 * there is compared against 0 and flagged). Our cost on other days is summed into `uninvoiced`
 * instead of being flagged: a provider's export covers the days it covers.
 * Pure and exact: amounts stay bigint; only the ratio is a float.
 */
export function compareInvoice(rated: readonly RatedTotal[], invoice: readonly InvoiceTotal[], options: CompareOptions, coveredDays: readonly CoveredDay[] = []): Reconciliation {
  const tolerance = toleranceMicroPct(options.tolerancePct);
  const covered = new Set([...invoice, ...coveredDays].map((t) => `${t.day}\u0000${t.provider}`));
  const rows = new Map<string, ReconciliationRow>();
  const row = (day: string, provider: string, model: string): ReconciliationRow => {
    const key = modelKey(model, options.aliases);
    const id = `${day}\u0000${provider}\u0000${key}`;
    let r = rows.get(id);
    if (r === undefined) {
      r = { day, provider, model: key, ratedModels: [], invoiceModels: [], ratedPico: 0n, invoicePico: 0n, diffPico: 0n, varianceRatio: null, status: 'matched', flagged: false, calls: 0, unpricedCalls: 0, lineItems: 0 };
      rows.set(id, r);
    }
    return r;
  };
  const uninvoiced = new Map<string, Uninvoiced & { daySet: Set<string> }>();
  for (const t of rated) {
    if (!covered.has(`${t.day}\u0000${t.provider}`)) {
      let u = uninvoiced.get(t.provider);
      if (u === undefined) uninvoiced.set(t.provider, (u = { provider: t.provider, days: 0, ratedPico: 0n, daySet: new Set() }));
      u.ratedPico += t.costPico;
      u.daySet.add(t.day);
      continue;
    }
    const r = row(t.day, t.provider, t.model);
    r.ratedPico += t.costPico;
    r.calls += t.calls;
    r.unpricedCalls += t.unpricedCalls;
    addName(r.ratedModels, t.model);
  }
  for (const t of invoice) {
    const r = row(t.day, t.provider, t.model);
    r.invoicePico += t.costPico;
    r.lineItems += t.lineItems;
    addName(r.invoiceModels, t.model);
  }
  const days = new Map<string, DayReconciliation>();
  for (const r of rows.values()) {
    Object.assign(r, judge(r.ratedPico, r.invoicePico, tolerance));
    r.status = r.ratedModels.length === 0 ? 'invoice_only' : r.invoiceModels.length === 0 ? 'rated_only' : 'matched';
    const id = `${r.day}\u0000${r.provider}`;
    let d = days.get(id);
    if (d === undefined) days.set(id, (d = { day: r.day, provider: r.provider, ratedPico: 0n, invoicePico: 0n, diffPico: 0n, varianceRatio: null, flagged: false }));
    d.ratedPico += r.ratedPico;
    d.invoicePico += r.invoicePico;
  }
  for (const d of days.values()) Object.assign(d, judge(d.ratedPico, d.invoicePico, tolerance));
  const byKey = <T extends { day: string; provider: string; model?: string }>(a: T, b: T): number =>
    a.day.localeCompare(b.day) || a.provider.localeCompare(b.provider) || (a.model ?? '').localeCompare(b.model ?? '');
  return {
    rows: [...rows.values()].sort(byKey),
    days: [...days.values()].sort(byKey),
    uninvoiced: [...uninvoiced.values()].map(({ daySet, ...u }) => ({ ...u, days: daySet.size })).sort((a, b) => a.provider.localeCompare(b.provider)),
  };
}

/** A tolerance in percent as an exact integer of millionths of a percent (2 -> 2,000,000). */
export function toleranceMicroPct(tolerancePct: number): bigint {
  return BigInt(Math.round(tolerancePct * 1_000_000));
}

/**
 * Difference, ratio and flag of rated vs invoiced. The flag is exact integer arithmetic,
 * |diff| x 100% > tolerance x |invoice|, so a difference of exactly the tolerance is within it.
 */
export function judge(ratedPico: bigint, invoicePico: bigint, tolerance: bigint): { diffPico: bigint; varianceRatio: number | null; flagged: boolean } {
  const diffPico = ratedPico - invoicePico;
  const base = abs(invoicePico);
  if (base === 0n) return { diffPico, varianceRatio: diffPico === 0n ? 0 : null, flagged: diffPico !== 0n };
  return { diffPico, varianceRatio: ratio(diffPico, base), flagged: abs(diffPico) * 100_000_000n > tolerance * base };
}

/** n / d as a float: each bigint converts to the nearest double, so the quotient is within a few ulps of the exact one. */
function ratio(n: bigint, d: bigint): number {
  return Number(n) / Number(d);
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function addName(names: string[], name: string): void {
  if (!names.includes(name)) names.push(name);
}
