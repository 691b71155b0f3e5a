import type { AttentionFlag } from './attention-flags.js';
import { attentionFlags } from './attention-flags.js';
import type { CustomerPeriodFacts, EvolutionCostByReason } from './customer-period-facts.js';
import type { RiskComponents } from './risk-score.js';
import { riskScore } from './risk-score.js';
import type { RiskTier } from './risk-tier.js';
import { riskTier } from './risk-tier.js';
import type { SnapshotThresholds } from './snapshot-thresholds.js';
import { DEFAULT_SNAPSHOT_THRESHOLDS } from './snapshot-thresholds.js';

/** Where the failure rate came from: agent runs, LLM calls when no runs were traced, or nothing at all. */
export type FailureRateBasis = 'runs' | 'calls' | 'none';

/** One customer's Agentic P&L and health for one period (seed 000's CustomerHealthSnapshot). */
export interface CustomerSnapshot {
  readonly revenueUsd: number;
  readonly baseCostUsd: number;
  readonly evolutionCostUsd: number;
  readonly evolutionCostByReasonUsd: EvolutionCostByReason;
  /** base + evolution. */
  readonly totalCostUsd: number;
  /** revenue − total cost. */
  readonly agenticPnlUsd: number;
  /** (revenue − total cost) × 100 / revenue; null when revenue ≤ 0 (undefined, not 0 and not −∞). */
  readonly grossMarginPct: number | null;
  /** evolution / total cost, 0–1; null when total cost is 0. */
  readonly evolutionCostShare: number | null;
  /** 0–1: failed runs / runs, or error calls / calls when no runs were traced, or 0. */
  readonly failureRate: number;
  readonly failureRateBasis: FailureRateBasis;
  /** (retries + re-executions + fallbacks) per run (per first-attempt call when no runs were traced). */
  readonly avgRetriesPerRun: number;
  /** Escalations per run (same denominator). */
  readonly avgEscalationsPerRun: number;
  /** total cost / successful outcomes; null when there were none. */
  readonly costPerSuccessfulOutcomeUsd: number | null;
  readonly outcomeValueUsd: number;
  /** cache-read input tokens / all input tokens, 0–1; null when there were no input tokens. */
  readonly cacheHitRate: number | null;
  readonly unpricedCalls: number;
  readonly riskScore: number;
  readonly riskComponents: RiskComponents;
  readonly riskTier: RiskTier;
  readonly attentionFlags: readonly AttentionFlag[];
}

export interface SnapshotOptions {
  /** Overrides of seed 000's thresholds; unset fields keep their defaults. */
  readonly thresholds?: Partial<SnapshotThresholds>;
}

/**
 * Builds a customer snapshot from period facts (seed 000). Floats throughout: the sums arrive exact from
 * ClickHouse, and the only arithmetic on money here is one addition (total cost), one subtraction (P&L) and
 * ratios. Only the risk score is rounded (2 decimals); everything else is left for presentation to round.
 */
export function customerSnapshot(facts: CustomerPeriodFacts, options: SnapshotOptions = {}): CustomerSnapshot {
  const thresholds = { ...DEFAULT_SNAPSHOT_THRESHOLDS, ...options.thresholds };
  const totalCostUsd = facts.baseCostUsd + facts.evolutionCostUsd;
  const revenueUsd = facts.revenueUsd;
  const { rate: failureRate, basis: failureRateBasis } = failureRateOf(facts);
  const perRun = perRunDenominator(facts);
  const base = {
    revenueUsd,
    baseCostUsd: facts.baseCostUsd,
    evolutionCostUsd: facts.evolutionCostUsd,
    evolutionCostByReasonUsd: facts.evolutionCostByReasonUsd,
    totalCostUsd,
    agenticPnlUsd: revenueUsd - totalCostUsd,
    // Multiply before dividing: (3 × 100) / 10 is exactly 30, while 3 / 10 × 100 is 30.000000000000004.
    grossMarginPct: revenueUsd > 0 ? ((revenueUsd - totalCostUsd) * 100) / revenueUsd : null,
    evolutionCostShare: totalCostUsd > 0 ? facts.evolutionCostUsd / totalCostUsd : null,
    failureRate,
    failureRateBasis,
    avgRetriesPerRun: perRun > 0 ? (facts.retryAttempts + facts.otherExtraAttempts) / perRun : 0,
    avgEscalationsPerRun: perRun > 0 ? facts.escalationAttempts / perRun : 0,
    costPerSuccessfulOutcomeUsd: facts.successfulOutcomes > 0 ? totalCostUsd / facts.successfulOutcomes : null,
    outcomeValueUsd: facts.outcomeValueUsd,
    cacheHitRate: facts.inputTokensTotal > 0 ? facts.cacheReadTokens / facts.inputTokensTotal : null,
    unpricedCalls: facts.unpricedCalls,
  };
  const risk = riskScore(base, thresholds.marginTargetPct);
  return {
    ...base,
    riskScore: risk.score,
    riskComponents: risk.components,
    riskTier: riskTier(failureRate, risk.score, thresholds),
    attentionFlags: attentionFlags(base, thresholds),
  };
}

/**
 * Runs are the unit the seed measures failure on. Apps that trace LLM calls but not agent runs still deserve a
 * failure signal, so without runs the error share of calls stands in; with neither, the rate is 0.
 */
function failureRateOf(facts: CustomerPeriodFacts): { rate: number; basis: FailureRateBasis } {
  if (facts.runs > 0) return { rate: facts.failedRuns / facts.runs, basis: 'runs' };
  if (facts.calls > 0) return { rate: facts.errorCalls / facts.calls, basis: 'calls' };
  return { rate: 0, basis: 'none' };
}

/** Runs, or without runs the first-attempt calls (each is one unit of work that extra attempts repeat). */
function perRunDenominator(facts: CustomerPeriodFacts): number {
  if (facts.runs > 0) return facts.runs;
  const firstAttempts = facts.calls - facts.retryAttempts - facts.escalationAttempts - facts.otherExtraAttempts;
  return Math.max(firstAttempts, 0);
}
