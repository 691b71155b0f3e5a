import type { CompiledRate } from './compiled-rate.js';
import type { DailyWindow } from './time-of-day.js';
import { inWindow, secondsOfDayUtc } from './time-of-day.js';

/**
 * Prices that depend on the UTC time of day within a date range (genai-prices `time_of_date` constraints).
 * Windows are checked in order; the first that contains the call's start time wins, else `otherwise`.
 */
export interface TimeOfDaySelector {
  readonly windows: readonly { readonly window: DailyWindow; readonly rate: CompiledRate | null }[];
  readonly otherwise: CompiledRate | null;
}

/** What applies during one effective-date interval: one rate, a time-of-day choice, or nothing (unpriced). */
export type RateSelector = CompiledRate | TimeOfDaySelector | null;

/** Type guard for the time-of-day form. */
export function isTimeOfDaySelector(s: RateSelector): s is TimeOfDaySelector {
  return s !== null && 'windows' in s;
}

/** Resolves a selector to the rate in effect at `timeUs` (microseconds since the epoch). */
export function pickFromSelector(s: RateSelector, timeUs: number): CompiledRate | null {
  if (s === null || !('windows' in s)) return s;
  const sec = secondsOfDayUtc(timeUs);
  for (const w of s.windows) if (inWindow(w.window, sec)) return w.rate;
  return s.otherwise;
}

/** Applies `fn` to every rate a selector can yield, keeping its shape. */
export function mapSelector(s: RateSelector, fn: (rate: CompiledRate) => CompiledRate): RateSelector {
  if (s === null) return null;
  if (!isTimeOfDaySelector(s)) return fn(s);
  return {
    windows: s.windows.map((w) => ({ window: w.window, rate: w.rate === null ? null : fn(w.rate) })),
    otherwise: s.otherwise === null ? null : fn(s.otherwise),
  };
}
