import { describe, expect, it } from 'vitest';
import type { AttentionFlagCode, CustomerSnapshot } from '../../exporter/src/pnl/math/index.js';
import { customerSnapshot } from '../../exporter/src/pnl/math/index.js';
import { facts } from './facts.js';

type Expected = Omit<CustomerSnapshot, 'attentionFlags' | 'evolutionCostByReasonUsd'> & { flags: AttentionFlagCode[] };

describe('customerSnapshot', () => {
  it.each<[string, ReturnType<typeof facts>, Expected]>([
    [
      'a healthy customer',
      facts({
        revenueUsd: 1000, baseCostUsd: 90, evolutionCostUsd: 10, evolutionCostByReasonUsd: { retry: 6, escalation: 4 },
        runs: 100, failedRuns: 2, retryAttempts: 5, escalationAttempts: 1, calls: 120, errorCalls: 3,
        successfulOutcomes: 50, outcomeValueUsd: 500, cacheReadTokens: 2000, inputTokensTotal: 10000,
      }),
      {
        // total 90+10 = 100; P&L 1000−100 = 900; margin 900×100/1000 = 90; share 10/100 = 0.1
        revenueUsd: 1000, baseCostUsd: 90, evolutionCostUsd: 10, totalCostUsd: 100, agenticPnlUsd: 900,
        grossMarginPct: 90, evolutionCostShare: 0.1,
        // failure 2/100; retries 5/100; escalations 1/100; cost per outcome 100/50; cache 2000/10000
        failureRate: 0.02, failureRateBasis: 'runs', avgRetriesPerRun: 0.05, avgEscalationsPerRun: 0.01,
        costPerSuccessfulOutcomeUsd: 2, outcomeValueUsd: 500, cacheHitRate: 0.2, unpricedCalls: 0,
        // failure 0.02×200 = 4; evolution 10; margin 0 (90 ≥ 50); retry 0.05×20 = 1
        // score (35×4 + 25×10 + 25×0 + 15×1)/100 = 405/100 = 4.05 → LOW
        riskComponents: { failure: 4, evolution: 10, margin: 0, retry: 1 }, riskScore: 4.05, riskTier: 'LOW',
        flags: [],
      },
    ],
    [
      'a struggling customer: failure tier beats score tier',
      facts({
        revenueUsd: 100, baseCostUsd: 60, evolutionCostUsd: 40,
        evolutionCostByReasonUsd: { retry: 20, escalation: 10, reexecution: 5, fallback: 5 },
        runs: 20, failedRuns: 6, retryAttempts: 50, escalationAttempts: 45, otherExtraAttempts: 30,
        calls: 200, errorCalls: 10, unpricedCalls: 3,
      }),
      {
        // total 100; P&L 0; margin 0×100/100 = 0; share 40/100
        revenueUsd: 100, baseCostUsd: 60, evolutionCostUsd: 40, totalCostUsd: 100, agenticPnlUsd: 0,
        grossMarginPct: 0, evolutionCostShare: 0.4,
        // failure 6/20 = 0.3; retries (50+30)/20 = 4; escalations 45/20 = 2.25; no outcomes, no input tokens
        failureRate: 0.3, failureRateBasis: 'runs', avgRetriesPerRun: 4, avgEscalationsPerRun: 2.25,
        costPerSuccessfulOutcomeUsd: null, outcomeValueUsd: 0, cacheHitRate: null, unpricedCalls: 3,
        // failure 0.3×200 = 60; evolution 40; margin (50−0)×100/50 = 100; retry 4×20 = 80
        // score (2100 + 1000 + 2500 + 1200)/100 = 68 (HIGH by score) but failure 0.3 ≥ 0.25 → CRITICAL
        riskComponents: { failure: 60, evolution: 40, margin: 100, retry: 80 }, riskScore: 68, riskTier: 'CRITICAL',
        flags: ['FAILURE_RATE_CRITICAL', 'EVOLUTION_COST_HIGH', 'RETRIES_EXCESSIVE', 'ESCALATIONS_EXCESSIVE', 'MARGIN_BELOW_TARGET', 'UNPRICED_CALLS'],
      },
    ],
    [
      'no revenue but cost, no runs: margin null and saturated, failure from calls',
      facts({ baseCostUsd: 50, calls: 10, errorCalls: 1 }),
      {
        revenueUsd: 0, baseCostUsd: 50, evolutionCostUsd: 0, totalCostUsd: 50, agenticPnlUsd: -50,
        grossMarginPct: null, evolutionCostShare: 0,
        // no runs → 1 error / 10 calls; retries 0 / (10 first attempts)
        failureRate: 0.1, failureRateBasis: 'calls', avgRetriesPerRun: 0, avgEscalationsPerRun: 0,
        costPerSuccessfulOutcomeUsd: null, outcomeValueUsd: 0, cacheHitRate: null, unpricedCalls: 0,
        // failure 0.1×200 = 20; margin: no revenue with cost → 100; score (700 + 2500)/100 = 32 → MEDIUM
        riskComponents: { failure: 20, evolution: 0, margin: 100, retry: 0 }, riskScore: 32, riskTier: 'MEDIUM',
        flags: ['NO_REVENUE'],
      },
    ],
    [
      'nothing at all: zero cost, zero revenue, no runs, no calls',
      facts(),
      {
        revenueUsd: 0, baseCostUsd: 0, evolutionCostUsd: 0, totalCostUsd: 0, agenticPnlUsd: 0,
        grossMarginPct: null, evolutionCostShare: null,
        failureRate: 0, failureRateBasis: 'none', avgRetriesPerRun: 0, avgEscalationsPerRun: 0,
        costPerSuccessfulOutcomeUsd: null, outcomeValueUsd: 0, cacheHitRate: null, unpricedCalls: 0,
        // no revenue and no cost → margin component 0
        riskComponents: { failure: 0, evolution: 0, margin: 0, retry: 0 }, riskScore: 0, riskTier: 'LOW',
        flags: [],
      },
    ],
    [
      'zero cost with revenue: margin 100 %, no cost share',
      facts({ revenueUsd: 500, runs: 4 }),
      {
        revenueUsd: 500, baseCostUsd: 0, evolutionCostUsd: 0, totalCostUsd: 0, agenticPnlUsd: 500,
        grossMarginPct: 100, evolutionCostShare: null,
        failureRate: 0, failureRateBasis: 'runs', avgRetriesPerRun: 0, avgEscalationsPerRun: 0,
        costPerSuccessfulOutcomeUsd: null, outcomeValueUsd: 0, cacheHitRate: null, unpricedCalls: 0,
        riskComponents: { failure: 0, evolution: 0, margin: 0, retry: 0 }, riskScore: 0, riskTier: 'LOW',
        flags: [],
      },
    ],
    [
      'no runs: retries per first-attempt call, and the score rounds to 2 decimals',
      facts({
        revenueUsd: 200, baseCostUsd: 80, evolutionCostUsd: 20, calls: 12,
        retryAttempts: 2, escalationAttempts: 1, otherExtraAttempts: 1, successfulOutcomes: 8,
      }),
      {
        // margin (200−100)×100/200 = 50: on the target, so no flag and no margin component
        revenueUsd: 200, baseCostUsd: 80, evolutionCostUsd: 20, totalCostUsd: 100, agenticPnlUsd: 100,
        grossMarginPct: 50, evolutionCostShare: 0.2,
        // first attempts 12−2−1−1 = 8; retries (2+1)/8 = 0.375; escalations 1/8 = 0.125; 100/8 per outcome
        failureRate: 0, failureRateBasis: 'calls', avgRetriesPerRun: 0.375, avgEscalationsPerRun: 0.125,
        costPerSuccessfulOutcomeUsd: 12.5, outcomeValueUsd: 0, cacheHitRate: null, unpricedCalls: 0,
        // evolution 20; retry 0.375×20 = 7.5; score (25×20 + 15×7.5)/100 = 612.5/100 = 6.125 → 6.13
        riskComponents: { failure: 0, evolution: 20, margin: 0, retry: 7.5 }, riskScore: 6.13, riskTier: 'LOW',
        flags: [],
      },
    ],
    [
      'every flag threshold met exactly: only the inclusive failure flag fires',
      facts({ revenueUsd: 200, baseCostUsd: 70, evolutionCostUsd: 30, runs: 20, failedRuns: 3, retryAttempts: 60, escalationAttempts: 40 }),
      {
        // margin 100×100/200 = 50 (not < 50); share 30/100 = 0.3 (not > 0.3)
        revenueUsd: 200, baseCostUsd: 70, evolutionCostUsd: 30, totalCostUsd: 100, agenticPnlUsd: 100,
        grossMarginPct: 50, evolutionCostShare: 0.3,
        // failure 3/20 = 0.15 (≥ 0.15 → HIGH); retries 60/20 = 3 (not > 3); escalations 40/20 = 2 (not > 2)
        failureRate: 0.15, failureRateBasis: 'runs', avgRetriesPerRun: 3, avgEscalationsPerRun: 2,
        costPerSuccessfulOutcomeUsd: null, outcomeValueUsd: 0, cacheHitRate: null, unpricedCalls: 0,
        // failure 30; evolution 30; retry 3×20 = 60; score (1050 + 750 + 900)/100 = 27
        riskComponents: { failure: 30, evolution: 30, margin: 0, retry: 60 }, riskScore: 27, riskTier: 'HIGH',
        flags: ['FAILURE_RATE_HIGH'],
      },
    ],
  ])('%s', (_name, input, expected) => {
    const { flags, ...fields } = expected;
    const snapshot = customerSnapshot(input);
    const { attentionFlags, evolutionCostByReasonUsd, ...actual } = snapshot;
    expect(actual).toEqual(fields);
    expect(evolutionCostByReasonUsd).toEqual(input.evolutionCostByReasonUsd);
    expect(attentionFlags.map((f) => f.code)).toEqual(flags);
  });

  it('explains each flag with its value and threshold', () => {
    const s = customerSnapshot(facts({ revenueUsd: 100, baseCostUsd: 60, evolutionCostUsd: 40, runs: 20, failedRuns: 6, unpricedCalls: 3 }));
    expect(s.attentionFlags).toEqual([
      { code: 'FAILURE_RATE_CRITICAL', message: 'Failure rate 30.0% is at or above the critical 25.0%', value: 0.3, threshold: 0.25 },
      { code: 'EVOLUTION_COST_HIGH', message: 'Evolution cost is 40.0% of total cost (above 30.0%)', value: 0.4, threshold: 0.3 },
      { code: 'MARGIN_BELOW_TARGET', message: 'Gross margin 0.0% is below the 50% target', value: 0, threshold: 50 },
      { code: 'UNPRICED_CALLS', message: '3 calls have no price: cost is understated', value: 3, threshold: 0 },
    ]);
    const noRevenue = customerSnapshot(facts({ baseCostUsd: 12.5 }));
    expect(noRevenue.attentionFlags).toEqual([
      { code: 'NO_REVENUE', message: '$12.50 of LLM cost and no revenue for the period', value: 12.5, threshold: 0 },
    ]);
  });

  it('applies threshold overrides to the margin component, the flags and the tier', () => {
    // Healthy customer (margin 90) against a 95 % target: margin component (95−90)×100/95 = 500/95.
    // score (140 + 250 + 25×500/95 + 15)/100 = 5.3657… → 5.37; mediumRiskScore 5 makes that MEDIUM.
    const s = customerSnapshot(
      facts({ revenueUsd: 1000, baseCostUsd: 90, evolutionCostUsd: 10, runs: 100, failedRuns: 2, retryAttempts: 5 }),
      { thresholds: { marginTargetPct: 95, mediumRiskScore: 5 } },
    );
    expect(s.riskComponents.margin).toBe(500 / 95);
    expect(s.riskScore).toBe(5.37);
    expect(s.riskTier).toBe('MEDIUM');
    expect(s.attentionFlags.map((f) => f.code)).toEqual(['MARGIN_BELOW_TARGET']);
  });
});
