import type { TokenUsage } from '../model/llm-call.js';
import type { CallCost } from '../model/priced-call.js';
import type { CompiledRate, TierRates } from './compiled-rate.js';

/** True when every count is a non-negative safe integer, so BigInt conversion is exact and cannot throw. */
export function isBillableUsage(u: TokenUsage): boolean {
  return (
    Number.isSafeInteger(u.inputUncached) && u.inputUncached >= 0 &&
    Number.isSafeInteger(u.cacheRead) && u.cacheRead >= 0 &&
    Number.isSafeInteger(u.cacheWrite) && u.cacheWrite >= 0 &&
    Number.isSafeInteger(u.output) && u.output >= 0 &&
    Number.isSafeInteger(u.reasoning) && u.reasoning >= 0
  );
}

/** Skips the BigInt conversion for the common zero counts (no cache activity, no reasoning). */
function times(tokens: number, rate: bigint): bigint {
  return tokens === 0 || rate === 0n ? 0n : BigInt(tokens) * rate;
}

/**
 * Long-context tier for a call, with genai-prices' rule: the threshold is compared with the call's whole
 * input (uncached + cache read + cache write), must be strictly exceeded, and the chosen tier's prices apply
 * to every token of the call (input, cache and output alike), not only to the tokens above the threshold.
 */
function tierFor(rate: CompiledRate, totalInput: number): TierRates {
  const tiers = rate.tiers;
  for (let i = tiers.length - 1; i > 0; i--) {
    const t = tiers[i] as TierRates;
    if (totalInput > t.aboveInputTokens) return t;
  }
  return tiers[0] as TierRates;
}

/**
 * Exact cost of one call under one rate, in pico-dollars. Reasoning tokens are part of `output` and billed
 * at the output rate, unless the entry prices reasoning apart (a few catalog models), in which case that
 * part of output is billed at the reasoning rate; either way it lands in the `output` component.
 */
export function costOf(rate: CompiledRate, u: TokenUsage): CallCost {
  const tier = rate.tiers.length === 1 ? (rate.tiers[0] as TierRates) : tierFor(rate, u.inputUncached + u.cacheRead + u.cacheWrite);
  const input = times(u.inputUncached, tier.input);
  const cacheRead = times(u.cacheRead, tier.cacheRead);
  const cacheWrite = times(u.cacheWrite, tier.cacheWrite);
  let output: bigint;
  if (tier.reasoning === null) output = times(u.output, tier.output);
  else {
    // Reasoning larger than output is an emitter error; bill what output says, never a negative part.
    const reasoning = Math.min(u.reasoning, u.output);
    output = times(u.output - reasoning, tier.output) + times(reasoning, tier.reasoning);
  }
  const request = rate.perCall;
  return { input, cacheRead, cacheWrite, output, request, total: input + cacheRead + cacheWrite + output + request };
}
