import { compareText } from './compare-text.js';
import { withoutFloatDust } from './rounding.js';

/** Units of work (analyses, tickets, chats) and their cost for one customer × feature, with the plan's target. */
export interface UnitCostItem {
  readonly customerId: string;
  readonly featureId: string;
  readonly units: number;
  readonly costUsd: number;
  /** Target cost per unit of the customer's plan, in USD. */
  readonly targetUnitCostUsd: number;
}

export interface UnitCostOptions {
  /** Fraction over target that triggers: more than this (seed 004: 30 %, 0.3). */
  readonly overBy?: number;
}

export interface UnitCostBreach {
  readonly customerId: string;
  readonly featureId: string;
  readonly units: number;
  readonly costUsd: number;
  readonly unitCostUsd: number;
  readonly targetUnitCostUsd: number;
  /** unit cost / target. */
  readonly ratio: number;
  readonly overBy: number;
}

/**
 * Seed 004's unit-cost rule: cost per unit > the plan's target by more than 30 %, i.e. cost / (units × target)
 * > 1.3 (strict; exactly 30 % over does not fire). Items with no units or no positive target are skipped: there is
 * nothing to divide by. Results are ordered by ratio, worst first, then customer and feature.
 */
export function unitCostBreaches(items: readonly UnitCostItem[], options: UnitCostOptions = {}): UnitCostBreach[] {
  const overBy = options.overBy ?? 0.3;
  const limit = withoutFloatDust(1 + overBy);
  const breaches: UnitCostBreach[] = [];
  for (const item of items) {
    if (!(item.units > 0) || !(item.targetUnitCostUsd > 0)) continue;
    const ratio = item.costUsd / (item.units * item.targetUnitCostUsd);
    if (withoutFloatDust(ratio) > limit) {
      const { customerId, featureId, units, costUsd, targetUnitCostUsd } = item;
      breaches.push({ customerId, featureId, units, costUsd, unitCostUsd: costUsd / units, targetUnitCostUsd, ratio, overBy });
    }
  }
  return breaches.sort(
    (a, b) => b.ratio - a.ratio || compareText(a.customerId, b.customerId) || compareText(a.featureId, b.featureId),
  );
}
