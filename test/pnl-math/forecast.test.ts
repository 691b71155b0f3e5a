import { describe, expect, it } from 'vitest';
import { daysInUtcMonth, forecastMonthEnd } from '../../exporter/src/pnl/math/index.js';

describe('forecastMonthEnd', () => {
  it('projects linear burn with a prediction interval and the margin it implies', () => {
    // n = 5 days, mean 60/5 = 12, deviations −2 0 2 −4 4 → squares 40 → s² = 40/4 = 10
    // r = 30 − 5 = 25; projected = 60 + 25 × 12 = 360
    // σ = √10 × √(25 + 25²/5) = √10 × √150 = √1500 = 38.72983346…; z·σ = 1.96 × √1500 = 75.91047358…
    const f = forecastMonthEnd({ dailyCostsUsd: [10, 12, 14, 8, 16], daysInPeriod: 30, revenueUsd: 600 });
    expect(f).not.toBeNull();
    const { dailyCostStdDevUsd, costLowUsd, costHighUsd, marginPctLow, marginPctHigh, ...exact } = f!;
    expect(exact).toEqual({
      method: 'linear-burn',
      observedDays: 5,
      remainingDays: 25,
      spentUsd: 60,
      meanDailyCostUsd: 12,
      projectedCostUsd: 360,
      projectedPnlUsd: 240, // 600 − 360
      projectedMarginPct: 40, // 240 × 100 / 600
    });
    expect(dailyCostStdDevUsd).toBe(Math.sqrt(10));
    expect(costLowUsd).toBeCloseTo(284.0895264143346, 9); // 360 − 75.91047358566537
    expect(costHighUsd).toBeCloseTo(435.9104735856654, 9); // 360 + 75.91047358566537
    expect(marginPctLow).toBeCloseTo(27.348254402389102, 9); // (600 − 435.91047…) × 100 / 600
    expect(marginPctHigh).toBeCloseTo(52.6517455976109, 9); // (600 − 284.08952…) × 100 / 600
  });

  it.each([
    // constant spend: s = 0, the interval collapses to the point 15 + 28 × 5 = 155
    ['constant daily cost', [5, 5, 5], 31, { projected: 155, low: 155, high: 155, s: 0 }],
    // one day of February 2024: 20 × 29 = 580, no spread to measure
    ['a single day', [20], daysInUtcMonth(2024, 2), { projected: 580, low: null, high: null, s: null }],
    // the whole period observed: r = 0, nothing left to predict
    ['the period is over', [1, 2, 3], 3, { projected: 6, low: 6, high: 6, s: 1 }],
  ] as const)('%s', (_name, costs, days, expected) => {
    const f = forecastMonthEnd({ dailyCostsUsd: costs, daysInPeriod: days });
    expect([f?.projectedCostUsd, f?.costLowUsd, f?.costHighUsd, f?.dailyCostStdDevUsd]).toEqual([
      expected.projected, expected.low, expected.high, expected.s,
    ]);
  });

  it('never puts the low end below what is already spent', () => {
    // mean 25, spent 100, r = 1: projected 125; s² = (3 × 25² + 75²)/3 = 2500 → s = 50
    // z·σ = 1.96 × 50 × √(1 + 1/4) = 98 × √1.25 = 109.567…: 125 − 109.567 = 15.43 < 100 → clamped to 100
    const f = forecastMonthEnd({ dailyCostsUsd: [0, 0, 0, 100], daysInPeriod: 5 });
    expect(f?.costLowUsd).toBe(100);
    expect(f?.costHighUsd).toBeCloseTo(234.56733089748968, 9);
  });

  it('widens with z', () => {
    // z = 1: z·σ = √1500 = 38.7298…
    const f = forecastMonthEnd({ dailyCostsUsd: [10, 12, 14, 8, 16], daysInPeriod: 30, z: 1 });
    expect(f?.costHighUsd).toBeCloseTo(398.72983346207417, 9);
  });

  it.each([
    ['no revenue given', undefined, null, null],
    ['revenue null', null, null, null],
    // revenue 0: P&L is −cost, margin undefined
    ['zero revenue', 0, -155, null],
  ] as const)('leaves the margin null with %s', (_name, revenueUsd, pnl, margin) => {
    const f = forecastMonthEnd({ dailyCostsUsd: [5, 5, 5], daysInPeriod: 31, revenueUsd });
    expect([f?.projectedPnlUsd, f?.projectedMarginPct, f?.marginPctLow, f?.marginPctHigh]).toEqual([pnl, margin, margin, margin]);
  });

  it('returns null before the first full day and rejects more days than the period has', () => {
    expect(forecastMonthEnd({ dailyCostsUsd: [], daysInPeriod: 31 })).toBeNull();
    expect(() => forecastMonthEnd({ dailyCostsUsd: [1, 1, 1], daysInPeriod: 2 })).toThrow(RangeError);
  });
});
