/** A daily UTC window, from a catalog `time_of_date` constraint (e.g. DeepSeek's peak/off-peak prices). */
export interface DailyWindow {
  /** Seconds after UTC midnight, as genai-prices computes them (fractions kept). */
  readonly startSec: number;
  readonly endSec: number;
  /** The text form, used in price ids: `01:00:00Z-04:00:00Z`. */
  readonly label: string;
}

const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Seconds after UTC midnight of a `HH:MM:SS[.fff](Z|±HH:MM)` time, with the same rules as genai-prices. */
export function parseUtcTimeOfDay(text: string): number {
  const m = TIME.exec(text);
  if (m === null) throw new RangeError(`Invalid time-of-day constraint: ${text}`);
  const [, hh = '', mm = '', ss = '', frac = '', zone = '', sign = '', oh = '00', om = '00'] = m;
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59 || Number(oh) > 23 || Number(om) > 59) {
    throw new RangeError(`Invalid time-of-day constraint: ${text}`);
  }
  const local = Number(hh) * 3600 + Number(mm) * 60 + Number(ss) + Number(`0.${frac}`);
  const offset = zone === 'Z' ? 0 : (sign === '+' ? 1 : -1) * (Number(oh) * 60 + Number(om)) * 60;
  return (local - offset + 86400) % 86400;
}

/** Builds a window from a catalog constraint's start and end times. */
export function dailyWindow(startTime: string, endTime: string): DailyWindow {
  return { startSec: parseUtcTimeOfDay(startTime), endSec: parseUtcTimeOfDay(endTime), label: `${startTime}-${endTime}` };
}

/** Seconds after UTC midnight of an instant given in microseconds since the epoch. */
export function secondsOfDayUtc(timeUs: number): number {
  const ms = Math.floor(timeUs / 1000);
  return (((ms % 86_400_000) + 86_400_000) % 86_400_000) / 1000;
}

/** Whether `sec` falls in the window; a window whose end is before its start wraps past midnight. */
export function inWindow(w: DailyWindow, sec: number): boolean {
  return w.endSec < w.startSec ? sec >= w.startSec || sec < w.endSec : sec >= w.startSec && sec < w.endSec;
}
