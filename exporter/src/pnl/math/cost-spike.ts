import { compareText as cmp } from './compare-text.js';
import { utcDayNumber, utcDayString } from './utc-day.js';
import { withoutFloatDust } from './rounding.js';

/** Cost of one customer × feature on one UTC day. */
export interface DailyFeatureCost {
  readonly customerId: string;
  readonly featureId: string;
  /** `YYYY-MM-DD`. */
  readonly day: string;
  readonly costUsd: number;
}

export interface CostSpikeOptions {
  /** A day is a spike when its cost is more than this multiple of the baseline (seed 004: 2). */
  readonly multiplier?: number;
  /** Days in the trailing baseline (seed 004: 7). */
  readonly windowDays?: number;
  /** Ignore days cheaper than this, so cent-sized blips do not page anyone (default 0: the seed's rule as is). */
  readonly minCostUsd?: number;
}

export interface CostSpike {
  readonly customerId: string;
  readonly featureId: string;
  readonly day: string;
  readonly costUsd: number;
  /** Mean cost of the `windowDays` days before `day`, days without rows counting 0. */
  readonly baselineUsd: number;
  /** cost / baseline; null when the baseline is 0 (any spend after a silent week is a spike). */
  readonly ratio: number | null;
  readonly multiplier: number;
}

/**
 * Seed 004's cost spike: cost on a day > 2 × the rolling average of the 7 days before it, per customer × feature.
 * The baseline excludes the day itself (a spike must not raise its own bar) and counts days without rows as 0
 * spend. A day is only judged once its key has a full window of history in the series (first row ≥ 7 days
 * earlier), so a feature launched yesterday is not flagged against an empty week. Rows with the same key and day
 * are added together. Results are ordered by day, customer, feature.
 */
export function costSpikes(rows: readonly DailyFeatureCost[], options: CostSpikeOptions = {}): CostSpike[] {
  const multiplier = options.multiplier ?? 2;
  const windowDays = options.windowDays ?? 7;
  const minCostUsd = options.minCostUsd ?? 0;
  const byKey = new Map<string, { customerId: string; featureId: string; costs: Map<number, number> }>();
  for (const row of rows) {
    const key = JSON.stringify([row.customerId, row.featureId]);
    const group = byKey.get(key) ?? { customerId: row.customerId, featureId: row.featureId, costs: new Map<number, number>() };
    const day = utcDayNumber(row.day);
    group.costs.set(day, (group.costs.get(day) ?? 0) + row.costUsd);
    byKey.set(key, group);
  }
  const spikes: CostSpike[] = [];
  for (const { customerId, featureId, costs } of byKey.values()) {
    const firstDay = Math.min(...costs.keys());
    for (const [day, costUsd] of costs) {
      if (day - firstDay < windowDays || costUsd < minCostUsd) continue;
      let windowSum = 0;
      for (let k = 1; k <= windowDays; k++) windowSum += costs.get(day - k) ?? 0;
      const baselineUsd = windowSum / windowDays;
      // Compared without float dust, as the other rules: $0.20 after seven days of $0.10 is
      // exactly 2x, not a spike, though the summed baseline is 0.09999999999999999.
      if (withoutFloatDust(costUsd - multiplier * baselineUsd) > 0) {
        const ratio = baselineUsd > 0 ? costUsd / baselineUsd : null;
        spikes.push({ customerId, featureId, day: utcDayString(day), costUsd, baselineUsd, ratio, multiplier });
      }
    }
  }
  return spikes.sort((a, b) => cmp(a.day, b.day) || cmp(a.customerId, b.customerId) || cmp(a.featureId, b.featureId));
}

