import { withoutFloatDust } from './rounding.js';

/** Weights of the risk score components, in percent of the score (seed 000: 35/25/25/15). */
export const RISK_WEIGHTS = Object.freeze({ failure: 35, evolution: 25, margin: 25, retry: 15 });

/** What the risk score reads from a snapshot. */
export interface RiskScoreInput {
  /** Failure rate, 0–1. */
  readonly failureRate: number;
  /** Evolution cost / total cost, 0–1; null when there is no cost. */
  readonly evolutionCostShare: number | null;
  /** Gross margin in percent; null when there is no revenue. */
  readonly grossMarginPct: number | null;
  readonly totalCostUsd: number;
  readonly avgRetriesPerRun: number;
}

/** The four components, each 0–100 before weighting. */
export interface RiskComponents {
  readonly failure: number;
  readonly evolution: number;
  readonly margin: number;
  readonly retry: number;
}

export interface RiskScore {
  /** 0 (healthy) to 100 (most at risk), rounded to 2 decimals. */
  readonly score: number;
  readonly components: RiskComponents;
}

/**
 * Seed 000's weighted risk score. Components, each clamped to 0–100:
 * - failure: `min(failure rate in % × 2, 100)` — 50 % failures saturate it;
 * - evolution: `min(evolution cost / total cost × 100, 100)`, 0 without cost;
 * - margin: `min((target − margin %) × 100 / target, 100)` below the target, else 0. With the seed's 50 % target
 *   the factor is ×2, so a 0 % margin saturates it. No revenue with some cost counts as the saturated 100 (the
 *   limit of the formula as revenue falls to 0); no revenue and no cost counts 0;
 * - retry: `min(avg retries per run × 20, 100)` — 5 retries per run saturate it.
 *
 * score = (35·failure + 25·evolution + 25·margin + 15·retry) / 100, rounded to 2 decimals; the tier is decided on
 * the rounded score so it agrees with the score shown. Integer weights divided once keep exact inputs exact.
 */
export function riskScore(input: RiskScoreInput, marginTargetPct = 50): RiskScore {
  const components: RiskComponents = {
    failure: clamp100(input.failureRate * 200),
    evolution: clamp100((input.evolutionCostShare ?? 0) * 100),
    margin: marginComponent(input.grossMarginPct, input.totalCostUsd, marginTargetPct),
    retry: clamp100(input.avgRetriesPerRun * 20),
  };
  const weighted =
    RISK_WEIGHTS.failure * components.failure +
    RISK_WEIGHTS.evolution * components.evolution +
    RISK_WEIGHTS.margin * components.margin +
    RISK_WEIGHTS.retry * components.retry;
  // weighted is the score in hundredths: rounded there, half up, once its float dust is gone
  // (25 x 4.02 is 100.49999999999999 in doubles, a half that rounded down to 1.00, not 1.01).
  return { score: Math.round(withoutFloatDust(weighted)) / 100, components };
}

function marginComponent(marginPct: number | null, totalCostUsd: number, targetPct: number): number {
  if (marginPct === null) return totalCostUsd > 0 ? 100 : 0;
  if (marginPct >= targetPct) return 0;
  return clamp100(((targetPct - marginPct) * 100) / targetPct);
}

function clamp100(x: number): number {
  return Math.min(Math.max(x, 0), 100);
}
