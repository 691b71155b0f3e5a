import { compareText } from './compare-text.js';
import type { RevenueSource, TierPriceMap } from './revenue-for-range.js';
import type { CustomerSnapshot } from './snapshot.js';

/** A customer's snapshot with its id and subscription tier. */
export interface ProfitabilityInput {
  readonly customerId: string;
  readonly tier?: string | null;
  /**
   * Where the revenue came from (revenueForRange). A pricier tier is suggested only when the
   * revenue is the tier price: against $500 of recorded revenue, a $299 tier would cut it.
   * Unset: assumed to be the tier price.
   */
  readonly revenueSource?: RevenueSource;
  readonly snapshot: Pick<
    CustomerSnapshot,
    'revenueUsd' | 'totalCostUsd' | 'baseCostUsd' | 'evolutionCostUsd' | 'evolutionCostShare' | 'failureRate'
  >;
}

export interface UnprofitableOptions {
  /** Tier → monthly price, to name the cheapest tier that would cover the customer's cost (seed 003). */
  readonly tierMonthlyPrices?: TierPriceMap;
  /** Failure rate from which failures are a cause (seed 000's HIGH tier: 0.15). */
  readonly highFailureRate?: number;
  /** Evolution share of cost above which failures are a cause (seed 000's flag: 0.3). */
  readonly evolutionCostShare?: number;
  /** Largest price increase suggested as a plain raise (0.5 = +50 %); beyond it a raise is not realistic. */
  readonly maxPriceIncrease?: number;
  /** Share of first-attempt cost a cheaper model is assumed to save (0.5: a model at half the price). */
  readonly cheaperModelSaving?: number;
}

/** Suggested actions, in the order they are preferred: fix our side first, then price, then restrict usage. */
export type SuggestedActionCode = 'INVESTIGATE_FAILURES' | 'ROUTE_TO_CHEAPER_MODEL' | 'RAISE_TIER_PRICE' | 'CAP_USAGE';

export interface SuggestedAction {
  readonly code: SuggestedActionCode;
  readonly message: string;
}

export interface UnprofitableCustomer {
  readonly customerId: string;
  readonly tier: string | null;
  readonly revenueUsd: number;
  readonly totalCostUsd: number;
  /** total cost − revenue, > 0. */
  readonly lossUsd: number;
  /** loss × 100 / revenue: the price increase that breaks even; null without revenue. */
  readonly breakEvenPriceIncreasePct: number | null;
  /** Cheapest tier priced above the current one that covers the cost at current usage; null if none or unknown. */
  readonly suggestedTier: string | null;
  /** Spend at which the customer breaks even (its revenue): the cap CAP_USAGE suggests. */
  readonly usageCapUsd: number;
  /** At least one; preferred first. */
  readonly actions: readonly SuggestedAction[];
}

/**
 * Seed 003's unprofitable customers: those whose cost exceeds revenue (P&L < 0; break-even is not a loss), biggest
 * loss first (ties by id), each with suggested actions from its facts:
 * - INVESTIGATE_FAILURES when failures are a cause: failure rate ≥ 15 %, evolution share > 30 %, or evolution
 *   cost alone ≥ the loss (fixing failures would close the gap);
 * - ROUTE_TO_CHEAPER_MODEL when saving half of the first-attempt cost closes the gap: loss ≤ base cost × 0.5;
 * - RAISE_TIER_PRICE when revenue > 0 and either a raise of ≤ 50 % breaks even or a higher tier covers the cost;
 *   that tier is the cheapest priced ≥ current tier price × cost / revenue (the same usage on a pricier plan),
 *   suggested only when the revenue is the tier price (else a plain raise is);
 * - CAP_USAGE (cap = revenue) when none of the above closes the gap, including every customer without revenue.
 */
export function unprofitableCustomers(
  customers: readonly ProfitabilityInput[],
  options: UnprofitableOptions = {},
): UnprofitableCustomer[] {
  return customers
    .filter((c) => c.snapshot.totalCostUsd > c.snapshot.revenueUsd)
    .map((c) => assess(c, options))
    .sort((a, b) => b.lossUsd - a.lossUsd || compareText(a.customerId, b.customerId));
}

function assess(c: ProfitabilityInput, o: UnprofitableOptions): UnprofitableCustomer {
  const s = c.snapshot;
  const tier = c.tier ?? null;
  const loss = s.totalCostUsd - s.revenueUsd;
  const revenue = s.revenueUsd;
  const increase = revenue > 0 ? loss / revenue : null;
  const tierPriced = c.revenueSource === undefined || c.revenueSource === 'tier_price';
  const suggestedTier =
    revenue > 0 && tier !== null && tierPriced ? coveringTier(tier, s.totalCostUsd / revenue, o.tierMonthlyPrices) : null;
  const actions: SuggestedAction[] = [];

  const failureDriven =
    s.failureRate >= (o.highFailureRate ?? 0.15) || (s.evolutionCostShare ?? 0) > (o.evolutionCostShare ?? 0.3);
  const failuresClose = s.evolutionCostUsd >= loss;
  if (failureDriven || failuresClose) {
    const message =
      `Failure rate ${pct(s.failureRate)}; retries, escalations and other failure-driven attempts ` +
      `cost ${usd(s.evolutionCostUsd)} against a ${usd(loss)} loss`;
    actions.push({ code: 'INVESTIGATE_FAILURES', message });
  }
  const saving = s.baseCostUsd * (o.cheaperModelSaving ?? 0.5);
  const routeCloses = s.baseCostUsd > 0 && loss <= saving;
  if (routeCloses) {
    const message = `A cheaper model on first attempts would save about ${usd(saving)}, covering the ${usd(loss)} loss`;
    actions.push({ code: 'ROUTE_TO_CHEAPER_MODEL', message });
  }
  const raiseCloses = increase !== null && (increase <= (o.maxPriceIncrease ?? 0.5) || suggestedTier !== null);
  if (raiseCloses) {
    const to = suggestedTier !== null ? `move to tier ${suggestedTier}` : `raise the price by ${pct(increase)}`;
    actions.push({ code: 'RAISE_TIER_PRICE', message: `To break even at current usage, ${to}` });
  }
  if (!failuresClose && !routeCloses && !raiseCloses) {
    const why = revenue > 0
      ? `a ${pct(increase ?? 0)} price increase would be needed`
      : 'no revenue is recorded (record it or assign a tier)';
    actions.push({ code: 'CAP_USAGE', message: `Cap usage at ${usd(Math.max(revenue, 0))} for the period: ${why}` });
  }
  return {
    customerId: c.customerId,
    tier,
    revenueUsd: revenue,
    totalCostUsd: s.totalCostUsd,
    lossUsd: loss,
    breakEvenPriceIncreasePct: increase === null ? null : (loss * 100) / revenue,
    suggestedTier,
    usageCapUsd: Math.max(revenue, 0),
    actions,
  };
}

/** Cheapest tier priced above the current tier and at or above current price × cost/revenue. */
function coveringTier(tier: string, costToRevenue: number, prices: TierPriceMap | undefined): string | null {
  if (prices === undefined || !Object.hasOwn(prices, tier)) return null;
  const current = prices[tier] ?? 0;
  const needed = current * costToRevenue;
  let best: { tier: string; price: number } | null = null;
  for (const [name, price] of Object.entries(prices)) {
    if (price > current && price >= needed && (best === null || price < best.price)) best = { tier: name, price };
  }
  return best?.tier ?? null;
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function usd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}
