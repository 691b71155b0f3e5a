import { prorate } from './proration.js';
import type { DayInput } from './utc-day.js';
import { DAY_MS, daysInUtcMonth, utcDayNumber } from './utc-day.js';

/** One revenue row of a customer: an amount earned over `[periodStart, periodEnd)` (UTC days). */
export interface RevenuePeriod {
  readonly periodStart: DayInput;
  readonly periodEnd: DayInput;
  readonly amountUsd: number;
}

/** Subscription tier → monthly price in USD (seed 003: `{starter: 29, pro: 99, enterprise: 299}`). */
export type TierPriceMap = Readonly<Record<string, number>>;

/** The tier price to fall back on for days no revenue row covers. */
export interface TierFallback {
  readonly tier: string;
  readonly tierMonthlyPrices: TierPriceMap;
}

/** Where a customer's revenue for a range came from. */
export type RevenueSource = 'explicit' | 'tier_price' | 'mixed' | 'none';

export interface RangeRevenue {
  readonly totalUsd: number;
  /** Sum of the rows prorated to the range. */
  readonly explicitUsd: number;
  /** Tier price for the days no row covers. */
  readonly tierPriceUsd: number;
  /** Days of the range covered by no row, and how many of them the tier price filled. */
  readonly uncoveredDays: number;
  readonly tierPricedDays: number;
  readonly source: RevenueSource;
}

/**
 * One customer's revenue for `[rangeStart, rangeEnd)`: every row prorated by days ({@link prorate}) and summed,
 * plus, when a tier fallback is given and the tier has a price, the tier's monthly price for each day that no
 * row covers, at price / days-in-that-month per day (so a full February is one monthly price, leap year or not).
 * Filling gaps rather than "rows or tier, never both" keeps the current month right when the last invoice has
 * not been imported yet. Rows are assumed not to overlap each other: overlapping rows are both counted.
 * Float sums; round to cents where shown.
 */
export function revenueForRange(
  rows: readonly RevenuePeriod[],
  rangeStart: DayInput,
  rangeEnd: DayInput,
  fallback?: TierFallback,
): RangeRevenue {
  const rs = utcDayNumber(rangeStart);
  const re = utcDayNumber(rangeEnd);
  if (re < rs) throw new RangeError(`Range [${String(rangeStart)}, ${String(rangeEnd)}) ends before it starts`);
  const covered = new Uint8Array(re - rs);
  let explicitUsd = 0;
  for (const row of rows) {
    explicitUsd += prorate(row.amountUsd, row.periodStart, row.periodEnd, rangeStart, rangeEnd);
    const from = Math.max(utcDayNumber(row.periodStart), rs);
    const to = Math.min(utcDayNumber(row.periodEnd), re);
    if (to > from) covered.fill(1, from - rs, to - rs);
  }
  const uncoveredByMonth = uncoveredDaysByMonth(covered, rs);
  const uncoveredDays = [...uncoveredByMonth.values()].reduce((n, m) => n + m.days, 0);
  const price = fallback !== undefined ? tierPrice(fallback) : undefined;
  let tierPriceUsd = 0;
  if (price !== undefined) {
    for (const m of uncoveredByMonth.values()) tierPriceUsd += m.days === m.monthDays ? price : (price * m.days) / m.monthDays;
  }
  const tierPricedDays = price !== undefined ? uncoveredDays : 0;
  const coveredDays = re - rs - uncoveredDays;
  return {
    totalUsd: explicitUsd + tierPriceUsd,
    explicitUsd,
    tierPriceUsd,
    uncoveredDays,
    tierPricedDays,
    source: sourceOf(coveredDays > 0, tierPricedDays > 0),
  };
}

function tierPrice(fallback: TierFallback): number | undefined {
  // hasOwn: a tier named "constructor" must not find Object.prototype's.
  return Object.hasOwn(fallback.tierMonthlyPrices, fallback.tier) ? fallback.tierMonthlyPrices[fallback.tier] : undefined;
}

function uncoveredDaysByMonth(covered: Uint8Array, firstDay: number): Map<string, { days: number; monthDays: number }> {
  const months = new Map<string, { days: number; monthDays: number }>();
  covered.forEach((isCovered, i) => {
    if (isCovered === 1) return;
    const d = new Date((firstDay + i) * DAY_MS);
    const key = `${d.getUTCFullYear()}-${d.getUTCMonth() + 1}`;
    const m = months.get(key) ?? { days: 0, monthDays: daysInUtcMonth(d.getUTCFullYear(), d.getUTCMonth() + 1) };
    m.days += 1;
    months.set(key, m);
  });
  return months;
}

function sourceOf(explicit: boolean, tier: boolean): RevenueSource {
  if (explicit && tier) return 'mixed';
  if (explicit) return 'explicit';
  if (tier) return 'tier_price';
  return 'none';
}
