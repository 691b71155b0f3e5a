import { divRoundHalfEven } from './money.js';

/**
 * Integer per-unit rates of one price entry, ready for the hot path: every field is pico-dollars per
 * token (or per call), so rating a call is a handful of bigint multiplies.
 */
export interface TierRates {
  /** The tier applies when the call's total input tokens (uncached + cache read + cache write) exceed this. -1 for the base tier. */
  readonly aboveInputTokens: number;
  readonly input: bigint;
  /** Already resolved to the input rate when the entry has no cache-read price. */
  readonly cacheRead: bigint;
  /** Already resolved to the input rate when the entry has no cache-write price. */
  readonly cacheWrite: bigint;
  readonly output: bigint;
  /** Rate for reasoning tokens when the entry prices them apart from output; null bills them as output. */
  readonly reasoning: bigint | null;
}

/** A price entry compiled for rating. */
export interface CompiledRate {
  /** The `priceId` recorded on every call rated with this entry. */
  readonly id: string;
  readonly source: 'catalog' | 'override';
  /** Base tier first, then long-context tiers by ascending threshold. Never empty. */
  readonly tiers: readonly TierRates[];
  /** Fixed fee per call, pico-dollars. */
  readonly perCall: bigint;
}

/**
 * Applies a percentage discount to every rate of an entry. `keepMillionths` is (100 - percent) × 10^4, so a
 * 12.5 % discount keeps 875_000 millionths. Discounted rates are rounded half-even to whole pico-dollars per
 * token: that keeps the hot path integer-only and makes N identical calls cost exactly N times one call.
 */
export function discountRate(rate: CompiledRate, keepMillionths: bigint, id: string): CompiledRate {
  const scale = (v: bigint): bigint => divRoundHalfEven(v * keepMillionths, 1_000_000n);
  return {
    id,
    source: 'override',
    perCall: scale(rate.perCall),
    tiers: rate.tiers.map((t) => ({
      aboveInputTokens: t.aboveInputTokens,
      input: scale(t.input),
      cacheRead: scale(t.cacheRead),
      cacheWrite: scale(t.cacheWrite),
      output: scale(t.output),
      reasoning: t.reasoning === null ? null : scale(t.reasoning),
    })),
  };
}
