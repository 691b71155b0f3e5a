import type { TokenUsage } from '../model/llm-call.js';
import type { RawUsage } from './raw-usage.js';

/**
 * The interpretation actually used for the input count. An emitter said to include cache
 * cannot have: cache reads plus writes above the reported input prove it reported the raw
 * uncached count, so the sanity rule overrides the table then.
 */
export function inputIncludesCache(raw: RawUsage, emitterIncludesCache: boolean): boolean {
  return emitterIncludesCache && count(raw.cacheRead) + count(raw.cacheWrite) <= count(raw.input);
}

/**
 * Token counts by how they are billed. `inputUncached` is what is left at the plain input
 * rate. Reasoning is billed as output; when an emitter reports more reasoning than output
 * it did not count reasoning inside output, so it is added, by the same logic as the cache
 * sanity rule.
 */
export function buildTokenUsage(raw: RawUsage, includesCache: boolean): TokenUsage {
  const input = count(raw.input);
  const cacheRead = count(raw.cacheRead);
  const cacheWrite = count(raw.cacheWrite);
  const reasoning = count(raw.reasoning);
  const reportedOutput = count(raw.output);
  return {
    inputReported: input,
    inputUncached: includesCache ? input - cacheRead - cacheWrite : input,
    cacheRead,
    cacheWrite,
    output: reasoning > reportedOutput ? reportedOutput + reasoning : reportedOutput,
    reasoning,
  };
}

/** ABSENT (-1) counts as 0. */
function count(n: number): number {
  return n < 0 ? 0 : n;
}
