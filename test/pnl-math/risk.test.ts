import { describe, expect, it } from 'vitest';
import type { RiskTier } from '../../exporter/src/pnl/math/index.js';
import { riskScore, riskTier } from '../../exporter/src/pnl/math/index.js';

describe('riskScore', () => {
  it.each([
    // [failure rate, evolution share, margin %, total cost, avg retries, target] → components, score
    // failure 0.5×200 = 100 (saturates); evolution 1×100 = 100; margin −50 → (50+50)×2 = 200 → 100; retry 5×20 = 100
    [0.5, 1, -50, 10, 5, 50, { failure: 100, evolution: 100, margin: 100, retry: 100 }, 100],
    // failure 0.8×200 = 160 → 100; retry 7×20 = 140 → 100; margin 25 → (50−25)×2 = 50; score (3500+0+1250+1500)/100 = 62.5
    [0.8, 0, 25, 10, 7, 50, { failure: 100, evolution: 0, margin: 50, retry: 100 }, 62.5],
    // margin 30 against a 40 % target → (40−30)×100/40 = 25; score 25×25/100 = 6.25
    [0, 0, 30, 10, 0, 40, { failure: 0, evolution: 0, margin: 25, retry: 0 }, 6.25],
    // margin above target → 0; evolution share null (no cost) → 0
    [0.1, null, 80, 0, 0, 50, { failure: 20, evolution: 0, margin: 0, retry: 0 }, 7],
    // margin null (no revenue) with cost → 100; score 25×100/100 = 25
    [0, 0, null, 1, 0, 50, { failure: 0, evolution: 0, margin: 100, retry: 0 }, 25],
    // margin null without cost → 0
    [0, null, null, 0, 0, 50, { failure: 0, evolution: 0, margin: 0, retry: 0 }, 0],
    // 1/3 failures → (1/3)×200 = 66.666… (the double of 1/3, times 200); score 35 × 66.666… / 100 = 23.333… → 23.33
    [1 / 3, 0, 50, 10, 0, 50, { failure: (1 / 3) * 200, evolution: 0, margin: 0, retry: 0 }, 23.33],
    // evolution share 0.0402 → 4.02; score 25 × 4.02 / 100 = 1.005 exactly, half up → 1.01 (in doubles 100.49999999999999 hundredths)
    [0, 0.0402, 50, 10, 0, 50, { failure: 0, evolution: 0.0402 * 100, margin: 0, retry: 0 }, 1.01],
  ] as const)('failure %s, evolution %s, margin %s, cost %s, retries %s, target %s', (failureRate, evolutionCostShare, grossMarginPct, totalCostUsd, avgRetriesPerRun, target, components, score) => {
    expect(riskScore({ failureRate, evolutionCostShare, grossMarginPct, totalCostUsd, avgRetriesPerRun }, target)).toEqual({ score, components });
  });
});

describe('riskTier', () => {
  it.each<[number, number, RiskTier]>([
    // failure rate alone (score 0): thresholds 0.25 / 0.15 / 0.05 inclusive
    [0.25, 0, 'CRITICAL'],
    [0.2499, 0, 'HIGH'],
    [0.15, 0, 'HIGH'],
    [0.1499, 0, 'MEDIUM'],
    [0.05, 0, 'MEDIUM'],
    [0.0499, 0, 'LOW'],
    // score alone (failure 0): thresholds 70 / 45 / 20 inclusive
    [0, 70, 'CRITICAL'],
    [0, 69.99, 'HIGH'],
    [0, 45, 'HIGH'],
    [0, 44.99, 'MEDIUM'],
    [0, 20, 'MEDIUM'],
    [0, 19.99, 'LOW'],
    // the worse of the two wins
    [0.3, 10, 'CRITICAL'],
    [0.06, 50, 'HIGH'],
    [0.0499, 19.99, 'LOW'],
  ])('failure rate %s and score %s → %s', (failureRate, score, tier) => {
    expect(riskTier(failureRate, score)).toBe(tier);
  });
});
