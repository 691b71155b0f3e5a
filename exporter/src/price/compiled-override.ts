import type { CompiledRate } from './compiled-rate.js';
import { discountRate } from './compiled-rate.js';
import type { ModelPattern } from './model-pattern.js';
import { compileModelPattern } from './model-pattern.js';
import { scaleDecimal } from './money.js';
import type { ValidOverride } from './override-schema.js';
import type { PriceSpec } from './price-spec.js';
import { compileSpec } from './price-spec.js';

/** An override entry ready for resolution. */
export interface CompiledOverride {
  readonly valid: ValidOverride;
  /** `override:<id>`. */
  readonly priceId: string;
  /** Position in the file: the last tie-breaker (later wins). */
  readonly index: number;
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
    const spec: PriceSpec = { base: { ...valid.prices }, tiers: [], billable: true, notes: valid.notes === '' ? [] : [valid.notes] };
    const fixed = valid.discountPercent === null ? compileSpec(spec, priceId, 'override') : null;
    const keepMillionths =
      valid.discountPercent === null ? 1_000_000n : 1_000_000n - scaleDecimal(valid.discountPercent, 4).value;
    const memo = new Map<string, CompiledRate>();
    return {
      valid,
      priceId,
      index,
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
 * Precedence among overrides that apply to the same call at the same time: the more specific model
 * pattern first (exact name, then longer literal pattern, then provider-wide), then the most recent
 * `effective_from`, then the later entry in the file. Sorts best first.
 */
export function byPrecedence(a: CompiledOverride, b: CompiledOverride): number {
  return (
    b.pattern.rank - a.pattern.rank ||
    b.pattern.literalLength - a.pattern.literalLength ||
    (b.fromUs === a.fromUs ? 0 : b.fromUs > a.fromUs ? 1 : -1) ||
    b.index - a.index
  );
}
