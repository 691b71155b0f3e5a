/**
 * When a budget runs out at the current burn rate, or null if it will not run out before the period ends.
 * Burn rate = spent / time elapsed since the period start (up to `now`, capped at the period end); the budget is
 * exhausted at periodStart + elapsed × limit / spent. That instant is returned (rounded to the millisecond) when it
 * is before the period end — already in the past when the budget is spent. Exactly at the period end counts as
 * not exhausted: the budget resets as it would run out. Null also when nothing was spent or no time has elapsed.
 * Linear burn is the seed's simple reading; `forecastMonthEnd` gives the interval around it.
 * @throws RangeError when the limit is not positive or the period is empty.
 */
export function projectedExhaustion(
  spentUsd: number,
  limitUsd: number,
  periodStart: Date,
  periodEnd: Date,
  now: Date,
): Date | null {
  if (!(limitUsd > 0)) throw new RangeError(`Budget limit must be a positive amount, got ${limitUsd}`);
  const start = periodStart.getTime();
  const end = periodEnd.getTime();
  if (!(end > start)) throw new RangeError('Budget period must end after it starts');
  const elapsed = Math.min(now.getTime(), end) - start;
  if (!(spentUsd > 0) || !(elapsed > 0)) return null;
  const at = start + Math.round((elapsed * limitUsd) / spentUsd);
  return at < end ? new Date(at) : null;
}
