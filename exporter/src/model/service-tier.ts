/**
 * The service tiers a price override can be written for. Providers bill the same tokens differently by
 * tier: OpenAI `flex` and the Batch API at about half price, `priority` above list price; Anthropic batch at
 * half price and `priority` on commitment.
 */
export const PRICED_SERVICE_TIERS = ['default', 'batch', 'priority', 'flex'] as const;

/** A tier an override can select (`service_tier:` in the overrides file). */
export type PricedServiceTier = (typeof PRICED_SERVICE_TIERS)[number];

/** True when `tier` is one of {@link PRICED_SERVICE_TIERS}. */
export function isPricedServiceTier(tier: string): tier is PricedServiceTier {
  return (PRICED_SERVICE_TIERS as readonly string[]).includes(tier);
}

/*
 * Provider spellings of the same tier. Anthropic reports its standard tier as `standard`; OpenAI as
 * `default`. `auto` is only ever a request ("use scale credits if any"): it says nothing about the tier
 * that served the call, so it reads as unknown.
 */
const SYNONYMS: Readonly<Record<string, string>> = { standard: 'default', auto: '' };

/** Other tiers seen in the wild (`scale`) are kept if they look like a tier name, so the column stays small. */
const TIER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * The canonical service tier of a call from a reported value: lower-cased, provider synonyms folded
 * (`standard` → `default`), `auto` and anything that is not a short tier name → '' (unknown). The result is
 * what `pnl.llm_calls.service_tier` stores and what overrides are matched against.
 */
export function canonicalServiceTier(reported: string): string {
  const t = reported.trim().toLowerCase();
  const folded = SYNONYMS[t] ?? t;
  return TIER_NAME.test(folded) ? folded : '';
}

/**
 * The tier a call is billed at: what it reported, and `default` when it reported none. Providers bill the
 * standard tier unless a call asked for another one, and the instrumentations that omit the tier are those
 * of the standard APIs.
 */
export function billedServiceTier(serviceTier: string): string {
  return serviceTier === '' ? 'default' : serviceTier;
}
