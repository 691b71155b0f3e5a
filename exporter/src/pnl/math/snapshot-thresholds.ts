/**
 * Every threshold of the customer snapshot in one place (seed 000, "Risk Assessment Details"), so a deployment can
 * tune them together and the docs table has one source. Rates are fractions (0.25 = 25 %); margins are percent.
 */
export interface SnapshotThresholds {
  /** Failure rate at or above which the tier is CRITICAL (seed 000: ≥ 25 %). */
  readonly criticalFailureRate: number;
  /** Failure rate at or above which the tier is at least HIGH (seed 000: ≥ 15 %). */
  readonly highFailureRate: number;
  /** Failure rate at or above which the tier is at least MEDIUM (seed 000: ≥ 5 %). */
  readonly mediumFailureRate: number;
  /** Risk score at or above which the tier is CRITICAL (seed 000: ≥ 70). */
  readonly criticalRiskScore: number;
  /** Risk score at or above which the tier is at least HIGH (seed 000: ≥ 45). */
  readonly highRiskScore: number;
  /** Risk score at or above which the tier is at least MEDIUM (seed 000: ≥ 20). */
  readonly mediumRiskScore: number;
  /** Evolution share of total cost above which EVOLUTION_COST_HIGH is raised (seed 000: > 30 %). */
  readonly evolutionCostShare: number;
  /** Average retries per run above which RETRIES_EXCESSIVE is raised (seed 000: > 3). */
  readonly avgRetriesPerRun: number;
  /** Average escalations per run above which ESCALATIONS_EXCESSIVE is raised (seed 000: > 2). */
  readonly avgEscalationsPerRun: number;
  /** Gross margin (percent) below which the margin risk component grows and MARGIN_BELOW_TARGET is raised (50). */
  readonly marginTargetPct: number;
}

/** Seed 000's thresholds. */
export const DEFAULT_SNAPSHOT_THRESHOLDS: SnapshotThresholds = Object.freeze({
  criticalFailureRate: 0.25,
  highFailureRate: 0.15,
  mediumFailureRate: 0.05,
  criticalRiskScore: 70,
  highRiskScore: 45,
  mediumRiskScore: 20,
  evolutionCostShare: 0.3,
  avgRetriesPerRun: 3,
  avgEscalationsPerRun: 2,
  marginTargetPct: 50,
});
