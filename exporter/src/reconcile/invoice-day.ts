import { isCalendarDay } from '../api/date-range.js';

/** The days a ClickHouse `Date` can hold; an invoice day outside them is an error, not a clamp. */
const FIRST_DAY = '1970-01-01';
const LAST_DAY = '2149-06-06';

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const UNIX_SECONDS = /^\d{9,11}$/;

/**
 * The UTC day of an invoice date cell, as `YYYY-MM-DD`, or an explanation of why it is not one.
 * Accepts a calendar day (`2026-03-01`), an ISO timestamp (`2026-03-01T00:00:00+00:00`; without
 * an offset it is read as UTC, which is how the providers' dashboards write their buckets), or
 * unix seconds (`1772323200`, OpenAI's `start_time`).
 */
export function invoiceDay(text: string): { day: string } | { error: string } {
  const s = text.trim();
  let day: string | undefined;
  if (isCalendarDay(s)) day = s;
  else if (TIMESTAMP.test(s)) {
    const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
    if (!Number.isNaN(ms) && isCalendarDay(s.slice(0, 10))) day = new Date(ms).toISOString().slice(0, 10);
  } else if (UNIX_SECONDS.test(s)) day = new Date(Number(s) * 1000).toISOString().slice(0, 10);
  if (day === undefined) return { error: `${JSON.stringify(text)} is not a day: write YYYY-MM-DD, an ISO timestamp or unix seconds` };
  if (day < FIRST_DAY || day > LAST_DAY) return { error: `${day} is outside the days stored (${FIRST_DAY} to ${LAST_DAY})` };
  return { day };
}
