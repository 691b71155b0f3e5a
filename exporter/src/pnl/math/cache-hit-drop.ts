import { compareText } from './compare-text.js';
import { withoutFloatDust } from './rounding.js';
import { utcDayNumber, utcDayString } from './utc-day.js';

/** Cache use of one series (a model, a feature, a customer × feature: the caller chooses) on one UTC day. */
export interface DailyCacheUse {
  readonly key: string;
  /** `YYYY-MM-DD`. */
  readonly day: string;
  readonly cacheReadTokens: number;
  /** All input tokens: uncached + cache read + cache write. */
  readonly inputTokensTotal: number;
}

export interface CacheHitDropOptions {
  /** Drop that triggers: more than this (seed 004: 20 %, i.e. 0.2). */
  readonly drop?: number;
  /**
   * `relative` (default): (yesterday − today) / yesterday, so 50 % → 39 % is a 22 % drop and fires.
   * `absolute`: yesterday − today in rate points, so 50 % → 39 % is 0.11 and does not.
   */
  readonly mode?: 'relative' | 'absolute';
  /** Days with fewer input tokens than this are not judged, nor judged against (default 1: any traffic). */
  readonly minInputTokens?: number;
}

export interface CacheHitDrop {
  readonly key: string;
  readonly day: string;
  readonly previousHitRate: number;
  readonly hitRate: number;
  /** The drop as measured in `mode`. */
  readonly drop: number;
  readonly threshold: number;
  readonly mode: 'relative' | 'absolute';
}

/**
 * Seed 004's cache hit-rate drop: hit rate (cache-read tokens / all input tokens, seed 004's
 * cached / (input + cached)) falls by more than 20 % from one day to the next. The seed's "20 %" is read as
 * relative to yesterday's rate by default, because an absolute 20-point rule can never fire for a series whose
 * rate is below 20 % and barely fires for one at 30 %; `mode: 'absolute'` is available. Only consecutive
 * calendar days with traffic on both are compared; a previous rate of 0 cannot drop. The drop is cleared of float
 * dust before the strict `>` comparison. Results are ordered by day, key.
 */
export function cacheHitDrops(rows: readonly DailyCacheUse[], options: CacheHitDropOptions = {}): CacheHitDrop[] {
  const threshold = options.drop ?? 0.2;
  const mode = options.mode ?? 'relative';
  const minInputTokens = Math.max(options.minInputTokens ?? 1, 1);
  const rates = new Map<string, Map<number, number>>();
  for (const row of rows) {
    if (row.inputTokensTotal < minInputTokens) continue;
    const series = rates.get(row.key) ?? new Map<number, number>();
    series.set(utcDayNumber(row.day), row.cacheReadTokens / row.inputTokensTotal);
    rates.set(row.key, series);
  }
  const drops: CacheHitDrop[] = [];
  for (const [key, series] of rates) {
    for (const [day, hitRate] of series) {
      const previousHitRate = series.get(day - 1);
      if (previousHitRate === undefined || previousHitRate <= 0) continue;
      const fall = previousHitRate - hitRate;
      const drop = withoutFloatDust(mode === 'relative' ? fall / previousHitRate : fall);
      if (drop > threshold) drops.push({ key, day: utcDayString(day), previousHitRate, hitRate, drop, threshold, mode });
    }
  }
  return drops.sort((a, b) => compareText(a.day, b.day) || compareText(a.key, b.key));
}
