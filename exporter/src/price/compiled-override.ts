import type { CompiledRate } from './compiled-rate.js';
import { discountRate } from './compiled-rate.js';
import type { ModelPattern } from './model-pattern.js';
import { compileModelPattern } from './model-pattern.js';
import { scaleDecimal } from './money.js';
import type { ValidOverride } from './override-schema.js';
import type { DecimalTier, PriceSpec } from './price-spec.js';
import { compileSpec } from './price-spec.js';

/** An override entry ready for resolution. */
export interface CompiledOverride {
  readonly valid: ValidOverride;
  /** `override:<id>`. */
  readonly priceId: string;
  /** Position in the file: the last tie-breaker (later wins). */
  readonly index: number;
  /** Only calls billed at this tier; null = every tier. */
  readonly serviceTier: string | null;
  readonly pattern: ModelPattern;
  /** -Infinity when open. */
  readonly fromUs: number;
  /** +Infinity when open. */
  readonly toUs: number;
  readonly spec: PriceSpec;
  /** Fixed prices: the rate itself. Null for a discount. */
  readonly fixed: CompiledRate | null;
  /** Discount: the share of the catalog price kept, in millionths ((100 - percent) × 10^4). */
  readonly keepMillionths: bigint;
  /** Discounted catalog rates, memoised by catalog price id so resolved schedules share objects. */
  discounted(rate: CompiledRate): CompiledRate;
}

/** Compiles validated overrides. */
export function compileOverrides(overrides: readonly ValidOverride[]): CompiledOverride[] {
  return overrides.map((valid, index) => {
    const priceId = `override:${valid.id}`;
    const spec: PriceSpec = { base: { ...valid.prices }, tiers: longContextTiers(valid), billable: true, notes: valid.notes === '' ? [] : [valid.notes] };
    const fixed = valid.discountPercent === null ? compileSpec(spec, priceId, 'override') : null;
    const keepMillionths =
      valid.discountPercent === null ? 1_000_000n : 1_000_000n - scaleDecimal(valid.discountPercent, 4).value;
    const memo = new Map<string, CompiledRate>();
    return {
      valid,
      priceId,
      index,
      serviceTier: valid.serviceTier,
      pattern: compileModelPattern(valid.model),
      fromUs: valid.effectiveFrom?.us ?? -Infinity,
      toUs: valid.effectiveTo?.us ?? Infinity,
      spec,
      fixed,
      keepMillionths,
      discounted(rate) {
        let r = memo.get(rate.id);
        if (r === undefined) {
          // The id names both layers: which override, on top of which catalog entry.
          r = discountRate(rate, keepMillionths, `${priceId}+${rate.id}`);
          memo.set(rate.id, r);
        }
        return r;
      },
    };
  });
}

/**
 * A tier holds the entry's full price set above its threshold, as catalog tiers do: the rates the tier sets,
 * the entry's own for the others (so a tier that only raises input keeps the base output price). The per-call
 * fee is the entry's, whatever the tier.
 */
function longContextTiers(valid: ValidOverride): DecimalTier[] {
  const { perCallUsd: _perCall, ...base } = valid.prices;
  return valid.longContext.map((t) => ({ aboveInputTokens: t.aboveInputTokens, prices: { ...base, ...t.prices } }));
}

/**
 * Precedence among overrides that apply to the same call at the same time: an entry for the call's service
 * tier before one for every tier (a batch price is what a batch call costs, whatever else applies); then the
 * more specific model pattern (exact name, then longer literal pattern, then provider-wide); then the most
 * recent `effective_from`; then the later entry in the file. Sorts best first.
 */
export function byPrecedence(a: CompiledOverride, b: CompiledOverride): number {
  return (
    Number(b.serviceTier !== null) - Number(a.serviceTier !== null) ||
    b.pattern.rank - a.pattern.rank ||
    b.pattern.literalLength - a.pattern.literalLength ||
    (b.fromUs === a.fromUs ? 0 : b.fromUs > a.fromUs ? 1 : -1) ||
    b.index - a.index
  );
}
