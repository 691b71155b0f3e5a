import { z } from 'zod';
import { ApiError } from './api-error.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The days ClickHouse's `Date` holds. Outside them it silently clamps (a budget for
 * 0001-01-01..9999-12-31 was stored as 1970-01-01..2149-06-06), and a day after 9999-12-31
 * (the exclusive end of a one-day period from 9999-12-31) is "+010000-01-01", which it cannot
 * parse (a 503 "retry later" for bad input). Found by fuzzing.
 */
export const FIRST_DAY = '1970-01-01';
export const LAST_DAY = '2149-06-06';

/** True for a real calendar day written `YYYY-MM-DD` (2026-02-30 and 2026-13-01 are not), from FIRST_DAY to LAST_DAY. */
export function isCalendarDay(s: string): boolean {
  if (!DAY.test(s) || s < FIRST_DAY || s > LAST_DAY) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** A zod string that must be a calendar day. */
export const calendarDay = (what = 'must be a calendar day YYYY-MM-DD') =>
  z.string().refine(isCalendarDay, { message: `${what}, from ${FIRST_DAY} to ${LAST_DAY}` });

/** A range of UTC days, `from` inclusive and `to` exclusive, as `YYYY-MM-DD`. */
export interface DayRange {
  from: string;
  to: string;
}

export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The current calendar month (UTC) up to and including today: the default P&L period. */
export function monthToDate(now: Date = new Date()): DayRange {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  return { from: isoDay(from), to: isoDay(to) };
}

const rangeSchema = z
  .object({
    from: calendarDay().optional(),
    to: calendarDay('must be a calendar day YYYY-MM-DD (exclusive)').optional(),
  })
  .refine((r) => r.from === undefined || r.to === undefined || r.from < r.to, { message: '"from" must be before "to"' });

/** Reads `from`/`to` query parameters (`to` exclusive); defaults to month to date. */
export function parseDayRange(input: unknown, now: Date = new Date()): DayRange {
  const parsed = rangeSchema.safeParse(input);
  if (!parsed.success) throw ApiError.fromZod('invalid period', parsed.error);
  const dflt = monthToDate(now);
  const from = parsed.data.from ?? dflt.from;
  const to = parsed.data.to ?? (parsed.data.from !== undefined && parsed.data.from >= dflt.to ? addDays(parsed.data.from, 1) : dflt.to);
  if (from >= to) throw new ApiError(400, 'invalid_request', `invalid period: "from" (${from}) must be before "to" (${to})`);
  return { from, to };
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return isoDay(d);
}
