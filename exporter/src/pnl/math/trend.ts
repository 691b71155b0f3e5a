import type { CustomerSnapshot } from './snapshot.js';
import { withoutFloatDust } from './rounding.js';

/** Seed 000's trend directions. */
export type TrendDirection = 'IMPROVING' | 'STABLE' | 'WORSENING';

/** How much both signals must move between the last two periods to count as a change. */
export interface TrendThresholds {
  /** Change in failure rate (fraction): seed 000 uses 1 percentage point, 0.01. */
  readonly failureRateDelta: number;
  /** Change in risk score (points): seed 000 uses 1. */
  readonly riskScoreDelta: number;
}

export const DEFAULT_TREND_THRESHOLDS: TrendThresholds = Object.freeze({ failureRateDelta: 0.01, riskScoreDelta: 1 });

/**
 * Seed 000's trend: compare the last period with the one before it (periods in chronological order).
 * IMPROVING when the failure rate AND the risk score both fell by more than their deltas; WORSENING when both rose
 * by more; STABLE otherwise, including when the two signals disagree and when there are fewer than two periods.
 * Requiring both keeps one noisy signal from flipping the direction. Deltas exactly on the threshold are STABLE
 * (strict `>`); they are cleared of float dust first so that 0.26 − 0.25 counts as exactly 1 point.
 */
export function trendDirection(
  periods: ReadonlyArray<Pick<CustomerSnapshot, 'failureRate' | 'riskScore'>>,
  thresholds: Partial<TrendThresholds> = {},
): TrendDirection {
  const t = { ...DEFAULT_TREND_THRESHOLDS, ...thresholds };
  const current = periods.at(-1);
  const previous = periods.at(-2);
  if (current === undefined || previous === undefined) return 'STABLE';
  const failureDelta = withoutFloatDust(current.failureRate - previous.failureRate);
  const riskDelta = withoutFloatDust(current.riskScore - previous.riskScore);
  if (failureDelta < -t.failureRateDelta && riskDelta < -t.riskScoreDelta) return 'IMPROVING';
  if (failureDelta > t.failureRateDelta && riskDelta > t.riskScoreDelta) return 'WORSENING';
  return 'STABLE';
}
