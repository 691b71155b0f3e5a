import { withoutFloatDust } from './rounding.js';

/** Seed 004's budget states: under the warn line, warned, alerted, at or over the hard cap. */
export type BudgetStateName = 'ok' | 'warn' | 'alert' | 'capped';

/** Utilization (spent / limit) at which each state begins, inclusive. */
export interface BudgetThresholds {
  readonly warn: number;
  readonly alert: number;
  readonly capped: number;
}

/** Seed 004: warn at 70 %, alert at 90 %, hard cap at 100 %. */
export const DEFAULT_BUDGET_THRESHOLDS: BudgetThresholds = Object.freeze({ warn: 0.7, alert: 0.9, capped: 1 });

export interface BudgetState {
  readonly state: BudgetStateName;
  /** spent / limit; above 1 when over budget, negative when credits exceed spend. */
  readonly utilization: number;
}

/**
 * The budget state of a spend against a limit (seed 004). Thresholds are inclusive ("warn at 70 %": 70 % is
 * warn). Utilization is one division of the two amounts, which IEEE rounds to the nearest double, so 70 of 100
 * gives exactly the double 0.7 and lands on the threshold rather than a hair under it.
 * @param thresholds overrides of the defaults (a stored budget may set warn and alert only).
 * @throws RangeError when the limit is not a positive finite number or the thresholds are not 0 < warn ≤ alert ≤ capped.
 */
export function budgetState(
  spentUsd: number,
  limitUsd: number,
  thresholds: Partial<BudgetThresholds> = {},
): BudgetState {
  if (!(limitUsd > 0) || !Number.isFinite(limitUsd)) {
    throw new RangeError(`Budget limit must be a positive amount, got ${limitUsd}`);
  }
  const t = { ...DEFAULT_BUDGET_THRESHOLDS, ...thresholds };
  if (!(t.warn > 0 && t.warn <= t.alert && t.alert <= t.capped)) {
    throw new RangeError(`Budget thresholds must satisfy 0 < warn ≤ alert ≤ capped, got ${JSON.stringify(t)}`);
  }
  // Without float dust, as the other rules compare: spend summed from parts ($0.06 + $0.84)
  // would otherwise be 0.8999999999999999 of a $1 limit, missing the inclusive 90 % line.
  const utilization = withoutFloatDust(spentUsd / limitUsd);
  const state: BudgetStateName =
    utilization >= t.capped ? 'capped' : utilization >= t.alert ? 'alert' : utilization >= t.warn ? 'warn' : 'ok';
  return { state, utilization };
}
