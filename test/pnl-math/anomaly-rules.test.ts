import { describe, expect, it } from 'vitest';
import type { DailyCacheUse, DailyFeatureCost } from '../../exporter/src/pnl/math/index.js';
import { cacheHitDrops, costSpikes, errorRateBreaches, unitCostBreaches } from '../../exporter/src/pnl/math/index.js';

const day = (n: number) => `2025-03-${String(n).padStart(2, '0')}`;

describe('costSpikes (cost > 2 × the 7 days before, per customer × feature)', () => {
  const rows: DailyFeatureCost[] = [
    // c1/chat: 10 a day for 1–7 Mar
    ...[1, 2, 3, 4, 5, 6, 7].map((d) => ({ customerId: 'c1', featureId: 'chat', day: day(d), costUsd: 10 })),
    // 8 Mar: 12 + 8 = 20, exactly 2 × the baseline 70/7 = 10 → not a spike
    { customerId: 'c1', featureId: 'chat', day: day(8), costUsd: 12 },
    { customerId: 'c1', featureId: 'chat', day: day(8), costUsd: 8 },
    // 9 Mar: 30 against (6 × 10 + 20)/7 = 80/7 = 11.43 → 2 × 11.43 = 22.86 < 30 → spike, ratio 30 / (80/7) = 2.625
    { customerId: 'c1', featureId: 'chat', day: day(9), costUsd: 30 },
    // c1/search: 1 on 1 Mar, nothing until 8 Mar: baseline 1/7; 5 > 2/7 → spike, ratio 5 / (1/7) = 35
    { customerId: 'c1', featureId: 'search', day: day(1), costUsd: 1 },
    { customerId: 'c1', featureId: 'search', day: day(8), costUsd: 5 },
    // c2/chat: first seen 5 Mar; 6 Mar has only one day of history → not judged
    { customerId: 'c2', featureId: 'chat', day: day(5), costUsd: 100 },
    { customerId: 'c2', featureId: 'chat', day: day(6), costUsd: 500 },
    // c3/chat: a zero-cost row on 1 Mar, silence, then 3 on 9 Mar: baseline 0 → spike with no ratio
    { customerId: 'c3', featureId: 'chat', day: day(1), costUsd: 0 },
    { customerId: 'c3', featureId: 'chat', day: day(9), costUsd: 3 },
  ];

  it('flags the days over twice their trailing average, with the numbers', () => {
    expect(costSpikes(rows)).toEqual([
      { customerId: 'c1', featureId: 'search', day: day(8), costUsd: 5, baselineUsd: 1 / 7, ratio: 5 / (1 / 7), multiplier: 2 },
      { customerId: 'c1', featureId: 'chat', day: day(9), costUsd: 30, baselineUsd: 80 / 7, ratio: 30 / (80 / 7), multiplier: 2 },
      { customerId: 'c3', featureId: 'chat', day: day(9), costUsd: 3, baselineUsd: 0, ratio: null, multiplier: 2 },
    ]);
  });

  it.each([
    // min cost 4 drops c3's 3
    ['a minimum cost', { minCostUsd: 4 }, ['c1/search@2025-03-08', 'c1/chat@2025-03-09']],
    // multiplier 3: 30 < 3 × 11.43 = 34.29; 5 > 3/7
    ['a higher multiplier', { multiplier: 3 }, ['c1/search@2025-03-08', 'c3/chat@2025-03-09']],
    // 1-day window: c2's 6 Mar (500 > 2 × 100) is judged and flagged; c1/chat 8 Mar (20 ≤ 2 × 10) is not;
    // c1/chat 9 Mar (30 ≤ 2 × 20) is not; c1/search 8 Mar has baseline 0 (7 Mar) → flagged; c3 too
    ['a one-day window', { windowDays: 1 }, ['c2/chat@2025-03-06', 'c1/search@2025-03-08', 'c3/chat@2025-03-09']],
  ])('honours %s', (_name, options, expected) => {
    expect(costSpikes(rows, options).map((s) => `${s.customerId}/${s.featureId}@${s.day}`)).toEqual(expected);
  });

  it.each([0.05, 0.09, 0.1, 0.17, 0.18])('does not flag exactly twice a baseline of $%s a day, whatever the float sum', (cost) => {
    // Seven days of `cost` sum to a float a hair under 7 × cost, so 2 × cost looked like more than twice it.
    const week = [1, 2, 3, 4, 5, 6, 7].map((d) => ({ customerId: 'c', featureId: 'f', day: day(d), costUsd: cost }));
    expect(costSpikes([...week, { customerId: 'c', featureId: 'f', day: day(8), costUsd: 2 * cost }])).toEqual([]);
    expect(costSpikes([...week, { customerId: 'c', featureId: 'f', day: day(8), costUsd: 2 * cost + 0.000001 }])).toHaveLength(1);
  });
});

describe('cacheHitDrops (hit rate falls > 20 % day over day)', () => {
  const use = (key: string, d: number, cacheReadTokens: number, inputTokensTotal: number): DailyCacheUse => ({ key, day: day(d), cacheReadTokens, inputTokensTotal });
  const rows = [
    // 50 % → 40 %: relative drop 0.1/0.5 = 0.2 exactly → not flagged; 40 % → 30 %: 0.1/0.4 = 0.25 → flagged
    use('gpt-4o', 1, 500, 1000), use('gpt-4o', 2, 400, 1000), use('gpt-4o', 3, 300, 1000),
    // 10 % → 7.5 %: relative 0.25 → flagged; absolute 0.025 → not; 3 Mar missing, so 4 Mar is not compared
    use('claude', 1, 100, 1000), use('claude', 2, 75, 1000), use('claude', 4, 0, 1000),
    // tiny traffic: 50 % → 0 %, relative 1.0, absolute 0.5
    use('small', 1, 5, 10), use('small', 2, 0, 10),
    // a zero rate cannot drop; a day without input tokens is not judged
    use('cold', 1, 0, 1000), use('cold', 2, 0, 1000), use('cold', 3, 0, 0),
  ];

  it('reads the 20 % as relative to yesterday by default', () => {
    expect(cacheHitDrops(rows)).toEqual([
      { key: 'claude', day: day(2), previousHitRate: 0.1, hitRate: 0.075, drop: 0.25, threshold: 0.2, mode: 'relative' },
      { key: 'small', day: day(2), previousHitRate: 0.5, hitRate: 0, drop: 1, threshold: 0.2, mode: 'relative' },
      { key: 'gpt-4o', day: day(3), previousHitRate: 0.4, hitRate: 0.3, drop: 0.25, threshold: 0.2, mode: 'relative' },
    ]);
  });

  it('can read it as 20 rate points, and skip thin days', () => {
    // absolute: only small's 0.5 − 0 = 0.5 exceeds 0.2
    expect(cacheHitDrops(rows, { mode: 'absolute' })).toEqual([
      { key: 'small', day: day(2), previousHitRate: 0.5, hitRate: 0, drop: 0.5, threshold: 0.2, mode: 'absolute' },
    ]);
    expect(cacheHitDrops(rows, { minInputTokens: 100 }).map((d) => d.key)).toEqual(['claude', 'gpt-4o']);
  });
});

describe('errorRateBreaches (> 3 % errors for a model in 15 minutes)', () => {
  const windows = [
    { model: 'gpt-4o', windowStart: '2025-03-01T10:00:00Z', calls: 100, errorCalls: 3 }, // exactly 3 % → no
    { model: 'gpt-4o', windowStart: '2025-03-01T10:15:00Z', calls: 100, errorCalls: 4 }, // 4 % → yes
    { model: 'claude', windowStart: '2025-03-01T10:00:00Z', calls: 49, errorCalls: 10 }, // 49 < 50 calls → not judged
    { model: 'claude', windowStart: '2025-03-01T10:15:00Z', calls: 50, errorCalls: 2 }, // 2/50 = 4 % → yes
    { model: 'mini', windowStart: '2025-03-01T10:00:00Z', calls: 1000, errorCalls: 30 }, // 3 % → no
  ];

  it('flags windows over 3 % with enough calls, ordered by window then model', () => {
    expect(errorRateBreaches(windows)).toEqual([
      { model: 'claude', windowStart: '2025-03-01T10:15:00Z', calls: 50, errorCalls: 2, errorRate: 0.04, threshold: 0.03 },
      { model: 'gpt-4o', windowStart: '2025-03-01T10:15:00Z', calls: 100, errorCalls: 4, errorRate: 0.04, threshold: 0.03 },
    ]);
  });

  it('honours a smaller sample and another rate', () => {
    // minCalls 10: claude 10:00 (10/49 = 20.4 %) joins
    expect(errorRateBreaches(windows, { minCalls: 10 }).map((w) => `${w.model}@${w.windowStart.slice(11, 16)}`)).toEqual([
      'claude@10:00', 'claude@10:15', 'gpt-4o@10:15',
    ]);
    // 4 % is not more than 4 %
    expect(errorRateBreaches(windows, { maxErrorRate: 0.04 })).toEqual([]);
  });
});

describe('unitCostBreaches (unit cost > plan target by 30 %)', () => {
  const items = [
    { customerId: 'c1', featureId: 'analysis', units: 10, costUsd: 13, targetUnitCostUsd: 1 }, // 1.3 × target exactly → no
    { customerId: 'c2', featureId: 'analysis', units: 10, costUsd: 13.01, targetUnitCostUsd: 1 }, // 1.301 → yes
    { customerId: 'c3', featureId: 'chat', units: 4, costUsd: 10, targetUnitCostUsd: 1.5 }, // 2.5 per unit, 10 / 6 = 1.667 → yes
    { customerId: 'c4', featureId: 'chat', units: 0, costUsd: 10, targetUnitCostUsd: 1 }, // no units → skipped
    { customerId: 'c5', featureId: 'chat', units: 5, costUsd: 10, targetUnitCostUsd: 0 }, // no target → skipped
  ];

  it('flags unit costs more than 30 % over target, worst first', () => {
    expect(unitCostBreaches(items)).toEqual([
      { customerId: 'c3', featureId: 'chat', units: 4, costUsd: 10, unitCostUsd: 2.5, targetUnitCostUsd: 1.5, ratio: 10 / 6, overBy: 0.3 },
      { customerId: 'c2', featureId: 'analysis', units: 10, costUsd: 13.01, unitCostUsd: 13.01 / 10, targetUnitCostUsd: 1, ratio: 13.01 / 10, overBy: 0.3 },
    ]);
  });

  it('honours another margin over target', () => {
    // 70 % over: 1.667 is not more than 1.7
    expect(unitCostBreaches(items, { overBy: 0.7 })).toEqual([]);
  });
});
