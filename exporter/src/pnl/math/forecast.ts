/** Input of {@link forecastMonthEnd}. */
export interface MonthEndForecastInput {
  /**
   * Cost of each complete UTC day of the period so far, in order from the first day, 0 for days without spend.
   * Today's partial day is left out: it would drag the mean down every morning.
   */
  readonly dailyCostsUsd: readonly number[];
  /** Days in the whole period, e.g. `daysInUtcMonth(2024, 2)` = 29. */
  readonly daysInPeriod: number;
  /** Revenue for the whole period, for the margin forecast; null or ≤ 0 leaves the margin null. */
  readonly revenueUsd?: number | null;
  /** Width of the interval in standard deviations; 1.96 ≈ 95 % under a normal approximation. */
  readonly z?: number;
}

export interface MonthEndForecast {
  readonly method: 'linear-burn';
  readonly observedDays: number;
  readonly remainingDays: number;
  readonly spentUsd: number;
  readonly meanDailyCostUsd: number;
  /** Sample standard deviation of the daily costs (n − 1); null with fewer than 2 days. */
  readonly dailyCostStdDevUsd: number | null;
  /** spent + remaining days × mean daily cost. */
  readonly projectedCostUsd: number;
  /** projected ∓ z·σ; null with fewer than 2 days. The low end never goes below what is already spent. */
  readonly costLowUsd: number | null;
  readonly costHighUsd: number | null;
  /** revenue − projected cost and its margin; the margin interval comes from the cost interval, inverted. */
  readonly projectedPnlUsd: number | null;
  readonly projectedMarginPct: number | null;
  readonly marginPctLow: number | null;
  readonly marginPctHigh: number | null;
}

/**
 * Month-end (period-end) cost and margin from the daily costs so far, by linear burn with a prediction interval.
 *
 * Point: projected = spent + r·m, where n days were observed, r = days left, m = mean daily cost.
 * Interval: the r remaining days are treated as independent draws from the observed days' distribution (sample
 * standard deviation s). Their sum varies with s·√r, and the mean m itself is uncertain by s/√n, which the r days
 * multiply: σ = s·√(r + r²/n). Interval = projected ± z·σ, low end clamped to `spent`. This is a plain
 * approximation: no weekday seasonality, no trend, normal tails; it widens honestly early in the month.
 * Returns null when no day has been observed yet.
 * @throws RangeError when more days are observed than the period has.
 */
export function forecastMonthEnd(input: MonthEndForecastInput): MonthEndForecast | null {
  const costs = input.dailyCostsUsd;
  const n = costs.length;
  if (n > input.daysInPeriod) throw new RangeError(`${n} observed days exceed the ${input.daysInPeriod}-day period`);
  if (n === 0) return null;
  const z = input.z ?? 1.96;
  const spentUsd = costs.reduce((a, b) => a + b, 0);
  const mean = spentUsd / n;
  const r = input.daysInPeriod - n;
  const projected = spentUsd + r * mean;
  const s = n >= 2 ? Math.sqrt(costs.reduce((a, c) => a + (c - mean) ** 2, 0) / (n - 1)) : null;
  const half = s === null ? null : z * s * Math.sqrt(r + (r * r) / n);
  const costLow = half === null ? null : Math.max(projected - half, spentUsd);
  const costHigh = half === null ? null : projected + half;
  const revenue = input.revenueUsd ?? null;
  const margin = (cost: number | null): number | null =>
    revenue !== null && revenue > 0 && cost !== null ? ((revenue - cost) * 100) / revenue : null;
  return {
    method: 'linear-burn',
    observedDays: n,
    remainingDays: r,
    spentUsd,
    meanDailyCostUsd: mean,
    dailyCostStdDevUsd: s,
    projectedCostUsd: projected,
    costLowUsd: costLow,
    costHighUsd: costHigh,
    projectedPnlUsd: revenue !== null ? revenue - projected : null,
    projectedMarginPct: margin(projected),
    marginPctLow: margin(costHigh),
    marginPctHigh: margin(costLow),
  };
}
