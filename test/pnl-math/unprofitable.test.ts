import { describe, expect, it } from 'vitest';
import type { ProfitabilityInput } from '../../exporter/src/pnl/math/index.js';
import { unprofitableCustomers } from '../../exporter/src/pnl/math/index.js';

const tierMonthlyPrices = { starter: 29, pro: 99, enterprise: 299 };

function customer(customerId: string, tier: string | null, revenueUsd: number, baseCostUsd: number, evolutionCostUsd: number, failureRate: number): ProfitabilityInput {
  const totalCostUsd = baseCostUsd + evolutionCostUsd;
  return { customerId, tier, snapshot: { revenueUsd, totalCostUsd, baseCostUsd, evolutionCostUsd, evolutionCostShare: totalCostUsd > 0 ? evolutionCostUsd / totalCostUsd : null, failureRate } };
}

describe('unprofitableCustomers', () => {
  const customers = [
    // loss 150 − 100 = 50; failure 30 % and evolution 70 ≥ 50 → INVESTIGATE; half of base 80 = 40 < 50 → no route;
    // raise 50/100 = 0.5 ≤ 0.5 → RAISE; pro 99 × 150/100 = 148.5 → cheapest tier ≥ 148.5 above 99 is enterprise
    customer('fails', 'pro', 100, 80, 70, 0.3),
    // loss 300 − 29 = 271; no failures; half of 300 = 150 < 271; raise 271/29 = 934 %; needs 29 × 300/29 = 300 > 299 → CAP at 29
    customer('heavy', 'starter', 29, 300, 0, 0.01),
    // loss 20; half of 120 = 60 ≥ 20 → ROUTE; raise 20 % → RAISE (no tier known)
    customer('model', null, 100, 120, 0, 0),
    // same loss 20 as 'model': ties sort by id; half of 70 = 35 ≥ 20 → ROUTE; raise 20/50 = 40 % → RAISE
    customer('aaa', null, 50, 70, 0, 0),
    // no revenue: loss 10; half of 10 = 5 < 10; no raise possible → CAP at 0
    customer('free', null, 0, 10, 0, 0),
    // break-even is not a loss
    customer('even', 'pro', 100, 100, 0, 0),
    customer('profit', 'pro', 100, 50, 0, 0),
  ];

  it('lists customers losing money, biggest loss first, with break-even figures', () => {
    const result = unprofitableCustomers(customers, { tierMonthlyPrices });
    expect(result.map((c) => [c.customerId, c.lossUsd, c.breakEvenPriceIncreasePct, c.suggestedTier, c.usageCapUsd, c.actions.map((a) => a.code)])).toEqual([
      ['heavy', 271, (271 * 100) / 29, null, 29, ['CAP_USAGE']],
      ['fails', 50, 50, 'enterprise', 100, ['INVESTIGATE_FAILURES', 'RAISE_TIER_PRICE']],
      ['aaa', 20, 40, null, 50, ['ROUTE_TO_CHEAPER_MODEL', 'RAISE_TIER_PRICE']],
      ['model', 20, 20, null, 100, ['ROUTE_TO_CHEAPER_MODEL', 'RAISE_TIER_PRICE']],
      ['free', 10, null, null, 0, ['CAP_USAGE']],
    ]);
  });

  it('suggests a pricier tier only when the revenue is the tier price, else a plain raise', () => {
    // $500 recorded for a pro customer ($99 tier) costing $600: 99 x 600/500 = 118.8 would pick
    // enterprise ($299), cutting revenue from $500; a 20 % raise breaks even.
    const recorded = { ...customer('big', 'pro', 500, 600, 0, 0), revenueSource: 'explicit' as const };
    const [r] = unprofitableCustomers([recorded], { tierMonthlyPrices });
    expect(r?.suggestedTier).toBeNull();
    expect(r?.actions.find((a) => a.code === 'RAISE_TIER_PRICE')?.message).toBe('To break even at current usage, raise the price by 20.0%');
    const [t] = unprofitableCustomers([{ ...customer('tiered', 'pro', 99, 148.5, 0, 0), revenueSource: 'tier_price' }], { tierMonthlyPrices });
    expect(t?.suggestedTier).toBe('enterprise');
  });

  it('says why in each action', () => {
    const [heavy, fails, , , free] = unprofitableCustomers(customers, { tierMonthlyPrices });
    expect(heavy?.actions).toEqual([{ code: 'CAP_USAGE', message: 'Cap usage at $29.00 for the period: a 934.5% price increase would be needed' }]);
    expect(fails?.actions).toEqual([
      { code: 'INVESTIGATE_FAILURES', message: 'Failure rate 30.0%; retries, escalations and other failure-driven attempts cost $70.00 against a $50.00 loss' },
      { code: 'RAISE_TIER_PRICE', message: 'To break even at current usage, move to tier enterprise' },
    ]);
    expect(free?.actions).toEqual([{ code: 'CAP_USAGE', message: 'Cap usage at $0.00 for the period: no revenue is recorded (record it or assign a tier)' }]);
  });

  it.each([
    // failure rate alone at the HIGH line (15 %) is a cause, even though evolution 5 < loss 200
    ['failure rate at 15 %', customer('x', null, 100, 295, 5, 0.15), ['INVESTIGATE_FAILURES', 'CAP_USAGE']],
    // evolution share 31/300 ≈ 10 %, failure 1 %, but evolution 31 ≥ loss 30 closes the gap by itself
    ['evolution cost covering the loss', customer('x', null, 270, 269, 31, 0.01), ['INVESTIGATE_FAILURES', 'ROUTE_TO_CHEAPER_MODEL', 'RAISE_TIER_PRICE']],
    // loss 100 = half of base 200 exactly → ROUTE (inclusive); raise 100/100 = 100 % > 50 % → no
    ['a cheaper model closing the gap exactly', customer('x', null, 100, 200, 0, 0), ['ROUTE_TO_CHEAPER_MODEL']],
    // loss 50.5 of revenue 100: 50.5 % > 50 % → no raise; half of base 150.5 = 75.25 ≥ 50.5 → route
    ['a raise just over the limit', customer('x', null, 100, 150.5, 0, 0), ['ROUTE_TO_CHEAPER_MODEL']],
  ] as const)('suggests actions for %s', (_name, input, codes) => {
    expect(unprofitableCustomers([input]).map((c) => c.actions.map((a) => a.code))).toEqual([codes]);
  });

  it('honours looser limits', () => {
    // heavy: a 1000 % raise is allowed → RAISE instead of CAP
    const [heavy] = unprofitableCustomers([customers[1]!], { maxPriceIncrease: 10 });
    expect(heavy?.actions.map((a) => a.code)).toEqual(['RAISE_TIER_PRICE']);
    expect(heavy?.actions[0]?.message).toBe('To break even at current usage, raise the price by 934.5%');
  });
});
