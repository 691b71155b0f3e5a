import type { DayInput } from './utc-day.js';
import { utcDayNumber } from './utc-day.js';

/**
 * The share of `amount` earned in a range: amount × (days of the range inside the period) / (days of the period).
 * Both spans are half-open sets of whole UTC days, `[start, end)`, as the revenue table stores them: a monthly row
 * for January 2025 is `[2025-01-01, 2025-02-01)` (31 days), February 2024 is 29 days. Returns the amount itself
 * (no division, no float error) when the range covers the whole period, and 0 when they do not overlap. The result
 * is a float; round to cents where it is shown.
 * @throws RangeError when the period is empty or reversed, the range is reversed, or a day is invalid.
 */
export function prorate(
  amount: number,
  periodStart: DayInput,
  periodEnd: DayInput,
  rangeStart: DayInput,
  rangeEnd: DayInput,
): number {
  const ps = utcDayNumber(periodStart);
  const pe = utcDayNumber(periodEnd);
  const rs = utcDayNumber(rangeStart);
  const re = utcDayNumber(rangeEnd);
  if (pe <= ps) throw new RangeError(`Period [${String(periodStart)}, ${String(periodEnd)}) has no days`);
  if (re < rs) throw new RangeError(`Range [${String(rangeStart)}, ${String(rangeEnd)}) ends before it starts`);
  const overlap = Math.max(0, Math.min(pe, re) - Math.max(ps, rs));
  const periodDays = pe - ps;
  if (overlap === periodDays) return amount;
  // Multiply first: 310 × 10 / 31 is exactly 100, 310 / 31 × 10 need not be.
  return (amount * overlap) / periodDays;
}
