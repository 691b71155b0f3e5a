import { compareText } from './compare-text.js';

/** Calls and error calls of one model in one window (seed 004: 15 minutes; the caller buckets them). */
export interface ModelWindowCalls {
  readonly model: string;
  /** Start of the window, as the caller labels it (ISO text); only used to identify the window. */
  readonly windowStart: string;
  readonly calls: number;
  readonly errorCalls: number;
}

export interface ErrorRateOptions {
  /** Error rate that triggers: more than this (seed 004: 3 %, 0.03). */
  readonly maxErrorRate?: number;
  /**
   * Windows with fewer calls are not judged (default 50). At 3 %, any window of 34+ calls needs at least two
   * errors to fire, so a single failed call never pages anyone; 50 rounds that up.
   */
  readonly minCalls?: number;
}

export interface ErrorRateBreach {
  readonly model: string;
  readonly windowStart: string;
  readonly calls: number;
  readonly errorCalls: number;
  readonly errorRate: number;
  readonly threshold: number;
}

/**
 * Seed 004's error-rate rule: error calls / calls > 3 % for a model in a 15-minute window, judged only when the
 * window has at least `minCalls` calls. Strict `>`: exactly 3 % does not fire. Results are ordered by window,
 * model.
 */
export function errorRateBreaches(windows: readonly ModelWindowCalls[], options: ErrorRateOptions = {}): ErrorRateBreach[] {
  const threshold = options.maxErrorRate ?? 0.03;
  const minCalls = Math.max(options.minCalls ?? 50, 1);
  return windows
    .filter((w) => w.calls >= minCalls)
    .map(({ model, windowStart, calls, errorCalls }) => {
      return { model, windowStart, calls, errorCalls, errorRate: errorCalls / calls, threshold };
    })
    .filter((w) => w.errorRate > threshold)
    .sort((a, b) => compareText(a.windowStart, b.windowStart) || compareText(a.model, b.model));
}
