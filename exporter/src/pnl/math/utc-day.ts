/** Milliseconds in one UTC day (UTC has no daylight-saving changes; leap seconds do not exist in JS time). */
export const DAY_MS = 86_400_000;

/**
 * A UTC calendar day: `YYYY-MM-DD` text (the form ClickHouse `Date` columns come back in), or a `Date`, which
 * stands for the UTC day that contains it.
 */
export type DayInput = string | Date;

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Days since 1970-01-01 of a UTC day. Text must be a real calendar date (`2025-02-29` is rejected, `2024-02-29`
 * is accepted); a `Date` is floored to its UTC day.
 * @throws RangeError on malformed text, impossible dates or an invalid `Date`.
 */
export function utcDayNumber(day: DayInput): number {
  if (day instanceof Date) {
    const t = day.getTime();
    if (!Number.isFinite(t)) throw new RangeError('Invalid Date');
    return Math.floor(t / DAY_MS);
  }
  const m = ISO_DAY.exec(day);
  if (m === null) throw new RangeError(`Not a YYYY-MM-DD day: ${JSON.stringify(day)}`);
  const [year, month, date] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(year, month - 1, date);
  const back = new Date(t);
  // Date.UTC rolls 2025-02-30 over to March; a round trip that changes the date means the input was impossible.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== date) {
    throw new RangeError(`Not a calendar day: ${day}`);
  }
  return t / DAY_MS;
}

/** `YYYY-MM-DD` of a day number from {@link utcDayNumber}. */
export function utcDayString(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

/** Days in a calendar month (`month` 1–12), with Gregorian leap years: February 2024 has 29, 2100 has 28. */
export function daysInUtcMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
