import type { CustomerPeriodFacts } from '../../exporter/src/pnl/math/index.js';

type FactsOverrides = Partial<Omit<CustomerPeriodFacts, 'evolutionCostByReasonUsd'>> & {
  evolutionCostByReasonUsd?: Partial<CustomerPeriodFacts['evolutionCostByReasonUsd']>;
};

/** Period facts that are all zero except what a test row sets. */
export function facts(overrides: FactsOverrides = {}): CustomerPeriodFacts {
  const { evolutionCostByReasonUsd, ...rest } = overrides;
  return {
    revenueUsd: 0,
    baseCostUsd: 0,
    evolutionCostUsd: 0,
    evolutionCostByReasonUsd: { retry: 0, escalation: 0, reexecution: 0, fallback: 0, ...evolutionCostByReasonUsd },
    calls: 0,
    errorCalls: 0,
    unpricedCalls: 0,
    runs: 0,
    failedRuns: 0,
    retryAttempts: 0,
    escalationAttempts: 0,
    otherExtraAttempts: 0,
    successfulOutcomes: 0,
    outcomeValueUsd: 0,
    cacheReadTokens: 0,
    inputTokensTotal: 0,
    ...rest,
  };
}
