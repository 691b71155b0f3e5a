import { describe, expect, it } from 'vitest';
import type { DayInput, RangeRevenue, RevenuePeriod } from '../../exporter/src/pnl/math/index.js';
import { daysInUtcMonth, prorate, revenueForRange, utcDayNumber, utcDayString } from '../../exporter/src/pnl/math/index.js';

describe('UTC days', () => {
  it.each([
    ['1970-01-01', 0],
    ['1970-01-02', 1],
    ['2024-02-29', 19782],
    ['2025-01-01', 20089],
  ])('%s is day %i', (text, n) => {
    expect(utcDayNumber(text)).toBe(n);
    expect(utcDayString(n)).toBe(text);
  });

  it('floors a Date to its UTC day', () => {
    expect(utcDayNumber(new Date('2025-01-01T23:59:59.999Z'))).toBe(20089);
    expect(utcDayNumber(new Date('2024-12-31T23:59:59.999-01:00'))).toBe(20089);
  });

  it.each(['2025-02-29', '2025-13-01', '2025-1-01', '2025-01-01T00:00:00Z', ''])('rejects %j', (text) => {
    expect(() => utcDayNumber(text)).toThrow(RangeError);
  });

  it.each([
    [2024, 2, 29],
    [2025, 2, 28],
    [2000, 2, 29],
    [2100, 2, 28],
    [2025, 1, 31],
    [2025, 4, 30],
    [2025, 12, 31],
  ])('%i-%i has %i days', (year, month, days) => {
    expect(daysInUtcMonth(year, month)).toBe(days);
  });
});

describe('prorate', () => {
  it.each<[string, number, DayInput, DayInput, DayInput, DayInput, number]>([
    ['whole month', 310, '2025-01-01', '2025-02-01', '2025-01-01', '2025-02-01', 310],
    // January has 31 days; [10, 20) is 10 of them: 310 × 10 / 31 = 100
    ['partial month', 310, '2025-01-01', '2025-02-01', '2025-01-10', '2025-01-20', 100],
    // the end is exclusive: [31 Jan, 1 Feb) is one day: 310 × 1 / 31 = 10
    ['last day only', 310, '2025-01-01', '2025-02-01', '2025-01-31', '2025-02-01', 10],
    // leap February: 29 days; [16 Feb, 1 Mar) = 16…29 Feb, 14 days including the 29th: 290 × 14 / 29 = 140
    ['leap-year February', 290, '2024-02-01', '2024-03-01', '2024-02-16', '2024-03-01', 140],
    // plain February: 28 days; 7 of them: 280 × 7 / 28 = 70
    ['non-leap February', 280, '2025-02-01', '2025-03-01', '2025-02-01', '2025-02-08', 70],
    // a 2024 annual row has 366 days; February 2024 is 29 of them: 366 × 29 / 366 = 29
    ['annual row in a leap year', 366, '2024-01-01', '2025-01-01', '2024-02-01', '2024-03-01', 29],
    ['range wider than the period', 100, '2025-01-01', '2025-02-01', '2024-12-01', '2025-03-01', 100],
    ['no overlap', 100, '2025-01-01', '2025-02-01', '2025-02-01', '2025-02-10', 0],
    ['empty range', 100, '2025-01-01', '2025-02-01', '2025-01-05', '2025-01-05', 0],
    // Dates stand for their UTC day: [10 Jan, 20 Jan) again
    ['Date inputs', 310, new Date('2025-01-01T00:00:00Z'), new Date('2025-02-01T00:00:00Z'), new Date('2025-01-10T15:30:00Z'), new Date('2025-01-20T00:00:01Z'), 100],
  ])('%s', (_name, amount, ps, pe, rs, re, expected) => {
    expect(prorate(amount, ps, pe, rs, re)).toBe(expected);
  });

  it.each([
    ['an empty period', '2025-01-01', '2025-01-01', '2025-01-01', '2025-01-02'],
    ['a reversed period', '2025-02-01', '2025-01-01', '2025-01-01', '2025-01-02'],
    ['a reversed range', '2025-01-01', '2025-02-01', '2025-01-10', '2025-01-09'],
    ['an impossible day', '2025-01-01', '2025-02-30', '2025-01-10', '2025-01-11'],
  ])('rejects %s', (_name, ps, pe, rs, re) => {
    expect(() => prorate(100, ps, pe, rs, re)).toThrow(RangeError);
  });
});

describe('revenueForRange', () => {
  const prices = { starter: 29, pro: 280, team: 310 };
  const jan: RevenuePeriod = { periodStart: '2025-01-01', periodEnd: '2025-02-01', amountUsd: 310 };
  const feb: RevenuePeriod = { periodStart: '2025-02-01', periodEnd: '2025-03-01', amountUsd: 280 };

  it.each<[string, RevenuePeriod[], string, string, { tier: string } | undefined, RangeRevenue]>([
    // Jan 17–31 = 15 days × 310/31 = 150; Feb 1–14 = 14 days × 280/28 = 140
    ['rows across two months', [jan, feb], '2025-01-17', '2025-02-15', undefined,
      { totalUsd: 290, explicitUsd: 290, tierPriceUsd: 0, uncoveredDays: 0, tierPricedDays: 0, source: 'explicit' }],
    // no rows: the whole of leap February 2024 at the team price = one monthly price
    ['tier price for a whole leap month', [], '2024-02-01', '2024-03-01', { tier: 'team' },
      { totalUsd: 310, explicitUsd: 0, tierPriceUsd: 310, uncoveredDays: 29, tierPricedDays: 29, source: 'tier_price' }],
    // 10 of February 2024's 29 days at 29/month: 29 × 10 / 29 = 10
    ['tier price for part of a leap month', [], '2024-02-01', '2024-02-11', { tier: 'starter' },
      { totalUsd: 10, explicitUsd: 0, tierPriceUsd: 10, uncoveredDays: 10, tierPricedDays: 10, source: 'tier_price' }],
    // Jan 15–31 = 17 of 31 days: 310 × 17 / 31 = 170; all of February 2024: 310; total 480
    ['tier price across months of different lengths', [], '2024-01-15', '2024-03-01', { tier: 'team' },
      { totalUsd: 480, explicitUsd: 0, tierPriceUsd: 480, uncoveredDays: 46, tierPricedDays: 46, source: 'tier_price' }],
    // rows cover Jan 20–31 (12 days × 10 = 120); Feb 1–7 has no row: 7 of 28 days at pro 280 = 70
    ['tier price fills the days no row covers', [jan], '2025-01-20', '2025-02-08', { tier: 'pro' },
      { totalUsd: 190, explicitUsd: 120, tierPriceUsd: 70, uncoveredDays: 7, tierPricedDays: 7, source: 'mixed' }],
    ['rows win where they exist', [jan], '2025-01-01', '2025-02-01', { tier: 'pro' },
      { totalUsd: 310, explicitUsd: 310, tierPriceUsd: 0, uncoveredDays: 0, tierPricedDays: 0, source: 'explicit' }],
    ['an unknown tier fills nothing', [], '2025-01-01', '2025-01-11', { tier: 'gold' },
      { totalUsd: 0, explicitUsd: 0, tierPriceUsd: 0, uncoveredDays: 10, tierPricedDays: 0, source: 'none' }],
    ['a tier named like an Object property fills nothing', [], '2025-01-01', '2025-01-11', { tier: 'constructor' },
      { totalUsd: 0, explicitUsd: 0, tierPriceUsd: 0, uncoveredDays: 10, tierPricedDays: 0, source: 'none' }],
    ['no rows and no tier', [], '2025-01-01', '2025-01-11', undefined,
      { totalUsd: 0, explicitUsd: 0, tierPriceUsd: 0, uncoveredDays: 10, tierPricedDays: 0, source: 'none' }],
    // a free row still counts as explicit revenue of 0
    ['an explicit zero', [{ periodStart: '2025-01-01', periodEnd: '2025-02-01', amountUsd: 0 }], '2025-01-01', '2025-01-11', { tier: 'pro' },
      { totalUsd: 0, explicitUsd: 0, tierPriceUsd: 0, uncoveredDays: 0, tierPricedDays: 0, source: 'explicit' }],
  ])('%s', (_name, rows, from, to, tier, expected) => {
    const fallback = tier === undefined ? undefined : { tier: tier.tier, tierMonthlyPrices: prices };
    expect(revenueForRange(rows, from, to, fallback)).toEqual(expected);
  });
});
