import type { CompiledRate, TierRates } from './compiled-rate.js';
import { scaleDecimal } from './money.js';

/**
 * Prices of one tier as exact decimal strings: USD per million tokens for the token rates, USD for the
 * per-call fee. Absent means the entry does not set it (cache rates then fall back to the input rate).
 */
export interface DecimalPrices {
  inputMtok?: string;
  cacheReadMtok?: string;
  cacheWriteMtok?: string;
  outputMtok?: string;
  /** Only a few catalog models price reasoning apart from output (`output_reasoning_mtok`). */
  outputReasoningMtok?: string;
  perCallUsd?: string;
}

/** A long-context tier: its full price set, used when total input tokens exceed the threshold. */
export interface DecimalTier {
  aboveInputTokens: number;
  prices: DecimalPrices;
}

/** One price entry in decimal form: what `entries()` reports and what gets compiled for rating. */
export interface PriceSpec {
  base: DecimalPrices;
  /** Ascending thresholds. */
  tiers: DecimalTier[];
  /** False when the entry only prices units a call's token usage cannot measure (audio hours, pages). */
  billable: boolean;
  /** Precision and coverage remarks, e.g. a catalog price rounded to pico-dollar precision. */
  notes: string[];
}

/** Pico-dollars per token from a USD-per-million-tokens decimal (at most 6 fraction digits by construction). */
function mtokToPico(text: string | undefined): bigint | undefined {
  return text === undefined ? undefined : scaleDecimal(text, 6).value;
}

function compileTier(aboveInputTokens: number, p: DecimalPrices): TierRates {
  // Matches genai-prices: without input_mtok the input is free; unpriced cache reads/writes stay inside the
  // input count and so are billed at the input rate.
  const input = mtokToPico(p.inputMtok) ?? 0n;
  const reasoning = mtokToPico(p.outputReasoningMtok);
  return {
    aboveInputTokens,
    input,
    cacheRead: mtokToPico(p.cacheReadMtok) ?? input,
    cacheWrite: mtokToPico(p.cacheWriteMtok) ?? input,
    output: mtokToPico(p.outputMtok) ?? 0n,
    reasoning: reasoning ?? null,
  };
}

/** Compiles a billable spec into integer rates; null when the entry cannot price a token-counted call. */
export function compileSpec(spec: PriceSpec, id: string, source: 'catalog' | 'override'): CompiledRate | null {
  if (!spec.billable) return null;
  const tiers = [compileTier(-1, spec.base), ...spec.tiers.map((t) => compileTier(t.aboveInputTokens, t.prices))];
  const perCall = spec.base.perCallUsd === undefined ? 0n : scaleDecimal(spec.base.perCallUsd, 12).value;
  return { id, source, tiers, perCall };
}
