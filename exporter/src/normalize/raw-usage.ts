import type { UsageDialect } from './normalize-options.js';

/**
 * Token counts exactly as one emitter reported them, before deciding whether its input count
 * includes cached tokens. Counts are ABSENT (-1) when the key was not there.
 */
export interface RawUsage {
  dialect: UsageDialect;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

/** True when at least one count was reported. */
export function hasAnyCount(raw: RawUsage): boolean {
  return raw.input >= 0 || raw.output >= 0 || raw.cacheRead >= 0 || raw.cacheWrite >= 0 || raw.reasoning >= 0;
}
