import type { SnapshotThresholds } from './snapshot-thresholds.js';
import { DEFAULT_SNAPSHOT_THRESHOLDS } from './snapshot-thresholds.js';

/** Seed 000's customer risk tiers, worst first. */
export type RiskTier = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

/** The tiers in order from worst to best, e.g. for sorting and distribution tables. */
export const RISK_TIERS: readonly RiskTier[] = Object.freeze(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']);

/**
 * Seed 000's tier: the worse of the tier by failure rate and the tier by risk score, both inclusive (`≥`).
 * A high failure rate alone is enough to escalate, even when cheap failures keep the score low, because failures
 * are what the customer feels first.
 */
export function riskTier(
  failureRate: number,
  score: number,
  thresholds: SnapshotThresholds = DEFAULT_SNAPSHOT_THRESHOLDS,
): RiskTier {
  if (failureRate >= thresholds.criticalFailureRate || score >= thresholds.criticalRiskScore) return 'CRITICAL';
  if (failureRate >= thresholds.highFailureRate || score >= thresholds.highRiskScore) return 'HIGH';
  if (failureRate >= thresholds.mediumFailureRate || score >= thresholds.mediumRiskScore) return 'MEDIUM';
  return 'LOW';
}
