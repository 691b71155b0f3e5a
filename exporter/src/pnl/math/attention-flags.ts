import type { SnapshotThresholds } from './snapshot-thresholds.js';
import { DEFAULT_SNAPSHOT_THRESHOLDS } from './snapshot-thresholds.js';

/** Stable codes of attention flags: alert routing and dashboards key on these, never on the message text. */
export type AttentionFlagCode =
  | 'FAILURE_RATE_CRITICAL'
  | 'FAILURE_RATE_HIGH'
  | 'EVOLUTION_COST_HIGH'
  | 'RETRIES_EXCESSIVE'
  | 'ESCALATIONS_EXCESSIVE'
  | 'MARGIN_BELOW_TARGET'
  | 'NO_REVENUE'
  | 'UNPRICED_CALLS';

/** One reason to look at a customer, with the number that raised it and the threshold it crossed. */
export interface AttentionFlag {
  readonly code: AttentionFlagCode;
  readonly message: string;
  readonly value: number;
  readonly threshold: number;
}

/** What the flags read from a snapshot. */
export interface AttentionInput {
  readonly failureRate: number;
  readonly evolutionCostShare: number | null;
  readonly avgRetriesPerRun: number;
  readonly avgEscalationsPerRun: number;
  readonly revenueUsd: number;
  readonly totalCostUsd: number;
  readonly grossMarginPct: number | null;
  readonly unpricedCalls: number;
}

/**
 * Seed 000's attention flags, in a fixed order:
 * - FAILURE_RATE_CRITICAL (failure rate ≥ critical) or else FAILURE_RATE_HIGH (≥ high) — never both;
 * - EVOLUTION_COST_HIGH: evolution cost > 30 % of total cost;
 * - RETRIES_EXCESSIVE: > 3 retries per run; ESCALATIONS_EXCESSIVE: > 2 escalations per run;
 * - MARGIN_BELOW_TARGET: revenue > 0 and gross margin < 50 %.
 * Two flags the seed does not list, because the seed's own margin rule is silent on them:
 * - NO_REVENUE: cost > 0 but revenue ≤ 0 (margin undefined; every dollar is a loss, or revenue is missing);
 * - UNPRICED_CALLS: some calls had no price, so cost and margin are understated (DESIGN: never silently zero).
 */
export function attentionFlags(
  input: AttentionInput,
  thresholds: SnapshotThresholds = DEFAULT_SNAPSHOT_THRESHOLDS,
): AttentionFlag[] {
  const t = thresholds;
  const flags: AttentionFlag[] = [];
  const add = (code: AttentionFlagCode, value: number, threshold: number, message: string): void => {
    flags.push({ code, message, value, threshold });
  };
  const { failureRate: fr, evolutionCostShare: share, grossMarginPct: margin, totalCostUsd: cost } = input;
  const retries = input.avgRetriesPerRun;
  const escalations = input.avgEscalationsPerRun;
  if (fr >= t.criticalFailureRate) {
    add('FAILURE_RATE_CRITICAL', fr, t.criticalFailureRate,
      `Failure rate ${pct(fr)} is at or above the critical ${pct(t.criticalFailureRate)}`);
  } else if (fr >= t.highFailureRate) {
    add('FAILURE_RATE_HIGH', fr, t.highFailureRate,
      `Failure rate ${pct(fr)} is at or above the high ${pct(t.highFailureRate)}`);
  }
  if (share !== null && share > t.evolutionCostShare) {
    add('EVOLUTION_COST_HIGH', share, t.evolutionCostShare,
      `Evolution cost is ${pct(share)} of total cost (above ${pct(t.evolutionCostShare)})`);
  }
  if (retries > t.avgRetriesPerRun) {
    add('RETRIES_EXCESSIVE', retries, t.avgRetriesPerRun,
      `${retries.toFixed(1)} retries per run (above ${t.avgRetriesPerRun})`);
  }
  if (escalations > t.avgEscalationsPerRun) {
    add('ESCALATIONS_EXCESSIVE', escalations, t.avgEscalationsPerRun,
      `${escalations.toFixed(1)} escalations per run (above ${t.avgEscalationsPerRun})`);
  }
  if (margin !== null && margin < t.marginTargetPct) {
    add('MARGIN_BELOW_TARGET', margin, t.marginTargetPct,
      `Gross margin ${margin.toFixed(1)}% is below the ${t.marginTargetPct}% target`);
  }
  if (input.revenueUsd <= 0 && cost > 0) {
    add('NO_REVENUE', cost, 0, `$${cost.toFixed(2)} of LLM cost and no revenue for the period`);
  }
  if (input.unpricedCalls > 0) {
    add('UNPRICED_CALLS', input.unpricedCalls, 0, `${input.unpricedCalls} calls have no price: cost is understated`);
  }
  return flags;
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
