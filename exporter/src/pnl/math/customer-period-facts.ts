/** Evolution (failure-driven) cost split by the attempt reason that caused it, in USD. */
export interface EvolutionCostByReason {
  readonly retry: number;
  readonly escalation: number;
  readonly reexecution: number;
  readonly fallback: number;
}

/**
 * What one customer did and cost in one period: the input of {@link customerSnapshot}. The caller computes it in
 * ClickHouse (`clickhouse/queries/customer-facts.sql` plus prorated revenue); money arrives here as float USD
 * converted from exact Decimal sums, counts as integers.
 */
export interface CustomerPeriodFacts {
  /** Revenue attributed to the customer for the period (prorated rows or tier price). 0 when none is known. */
  readonly revenueUsd: number;
  /** Cost of first attempts. */
  readonly baseCostUsd: number;
  /** Cost of every attempt beyond the first. May exceed the sum of `evolutionCostByReasonUsd` (unknown reasons). */
  readonly evolutionCostUsd: number;
  readonly evolutionCostByReasonUsd: EvolutionCostByReason;
  /** LLM calls, of which `errorCalls` ended in error and `unpricedCalls` had no price (cost understated). */
  readonly calls: number;
  readonly errorCalls: number;
  readonly unpricedCalls: number;
  /** Agent runs and those whose outcome was failure (or that ended in error). */
  readonly runs: number;
  readonly failedRuns: number;
  /** Attempts beyond the first, by reason: retries, escalations, and re-executions plus fallbacks. */
  readonly retryAttempts: number;
  readonly escalationAttempts: number;
  readonly otherExtraAttempts: number;
  /** Business outcomes recorded as successful, and their summed value in USD. */
  readonly successfulOutcomes: number;
  readonly outcomeValueUsd: number;
  /** Input tokens read from the provider's cache, and all input tokens (uncached + cache read + cache write). */
  readonly cacheReadTokens: number;
  readonly inputTokensTotal: number;
}
