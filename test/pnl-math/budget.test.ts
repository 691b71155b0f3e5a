import { describe, expect, it } from 'vitest';
import type { BudgetStateName, BudgetThresholds } from '../../exporter/src/pnl/math/index.js';
import { budgetState, projectedExhaustion } from '../../exporter/src/pnl/math/index.js';

describe('budgetState', () => {
  it.each<[number, number, Partial<BudgetThresholds>, BudgetStateName, number]>([
    [0, 100, {}, 'ok', 0],
    [69.99, 100, {}, 'ok', 0.6999],
    // exactly on each threshold: inclusive
    [70, 100, {}, 'warn', 0.7],
    [7, 10, {}, 'warn', 0.7],
    [0.7, 1, {}, 'warn', 0.7],
    [89, 100, {}, 'warn', 0.89],
    [90, 100, {}, 'alert', 0.9],
    [99, 100, {}, 'alert', 0.99],
    [100, 100, {}, 'capped', 1],
    [150, 100, {}, 'capped', 1.5],
    // credits beyond spend
    [-5, 100, {}, 'ok', -0.05],
    // a stored budget's own warn and alert ratios
    [49.99, 100, { warn: 0.5, alert: 0.8 }, 'ok', 0.4999],
    [50, 100, { warn: 0.5, alert: 0.8 }, 'warn', 0.5],
    [80, 100, { warn: 0.5, alert: 0.8 }, 'alert', 0.8],
    // alert == capped: the cap wins
    [100, 100, { alert: 1 }, 'capped', 1],
    // spend summed from base and evolution cost: 0.06 + 0.84 is 0.8999999999999999 as floats
    [0.06 + 0.84, 1, {}, 'alert', 0.9],
    [0.1 + 0.2 + 0.4, 1, {}, 'warn', 0.7],
  ])('%s of %s with %j → %s', (spent, limit, thresholds, state, utilization) => {
    expect(budgetState(spent, limit, thresholds)).toEqual({ state, utilization });
  });

  it.each([
    ['a zero limit', 0, {}],
    ['a negative limit', -1, {}],
    ['a NaN limit', Number.NaN, {}],
    ['an infinite limit', Number.POSITIVE_INFINITY, {}],
    ['warn above alert', 100, { warn: 0.95 }],
    ['alert above capped', 100, { alert: 1.1 }],
    ['a zero warn', 100, { warn: 0 }],
  ])('rejects %s', (_name, limit, thresholds) => {
    expect(() => budgetState(10, limit, thresholds)).toThrow(RangeError);
  });
});

describe('projectedExhaustion', () => {
  const jan = [new Date('2025-01-01T00:00:00Z'), new Date('2025-02-01T00:00:00Z')] as const;

  it.each<[string, number, number, string, string | null]>([
    // 50 in 10 days = 5/day; 100 lasts 20 days → 21 Jan
    ['runs out mid-period', 50, 100, '2025-01-11T00:00:00Z', '2025-01-21T00:00:00.000Z'],
    // 25 in 10 days = 2.5/day; 100 lasts 40 days > 31
    ['lasts the period', 25, 100, '2025-01-11T00:00:00Z', null],
    // 10 in 10 days = 1/day; 31 lasts exactly 31 days = the period end: not exhausted
    ['runs out exactly at the period end', 10, 31, '2025-01-11T00:00:00Z', null],
    // 200 in 10 days: 100 was reached after 5 days → 6 Jan, in the past
    ['already exhausted', 200, 100, '2025-01-11T00:00:00Z', '2025-01-06T00:00:00.000Z'],
    ['nothing spent', 0, 100, '2025-01-11T00:00:00Z', null],
    ['no time elapsed', 10, 100, '2025-01-01T00:00:00Z', null],
    ['before the period', 10, 100, '2024-12-15T00:00:00Z', null],
    // after the period: elapsed is capped at 31 days; 62 in 31 days = 2/day; 31 lasts 15.5 days → 16 Jan 12:00
    ['after the period', 62, 31, '2025-03-01T00:00:00Z', '2025-01-16T12:00:00.000Z'],
    // 1 day elapsed, 7 spent, limit 1: 86 400 000 ms × 1/7 = 12 342 857.14 ms → rounded to 12 342 857 ms
    ['rounds to the millisecond', 7, 1, '2025-01-02T00:00:00Z', '2025-01-01T03:25:42.857Z'],
  ])('%s', (_name, spent, limit, now, expected) => {
    const at = projectedExhaustion(spent, limit, jan[0], jan[1], new Date(now));
    expect(at === null ? null : at.toISOString()).toBe(expected);
  });

  it('rejects a non-positive limit and an empty period', () => {
    expect(() => projectedExhaustion(1, 0, jan[0], jan[1], jan[1])).toThrow(RangeError);
    expect(() => projectedExhaustion(1, 1, jan[0], jan[0], jan[1])).toThrow(RangeError);
  });
});
