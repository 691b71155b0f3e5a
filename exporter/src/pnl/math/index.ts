/*
 * Public surface of the P&L math: pure functions over numbers the caller computed in ClickHouse.
 * No I/O here. Listed by name so what other folders may rely on is visible. Formulas: docs/pnl-formulas.md.
 */
export type { CustomerPeriodFacts, EvolutionCostByReason } from './customer-period-facts.js';
export type { SnapshotThresholds } from './snapshot-thresholds.js';
export { DEFAULT_SNAPSHOT_THRESHOLDS } from './snapshot-thresholds.js';
export type { CustomerSnapshot, FailureRateBasis, SnapshotOptions } from './snapshot.js';
export { customerSnapshot } from './snapshot.js';
export type { RiskComponents, RiskScore, RiskScoreInput } from './risk-score.js';
export { RISK_WEIGHTS, riskScore } from './risk-score.js';
export type { RiskTier } from './risk-tier.js';
export { RISK_TIERS, riskTier } from './risk-tier.js';
export type { AttentionFlag, AttentionFlagCode, AttentionInput } from './attention-flags.js';
export { attentionFlags } from './attention-flags.js';
export type { TrendDirection, TrendThresholds } from './trend.js';
export { DEFAULT_TREND_THRESHOLDS, trendDirection } from './trend.js';
export type { DayInput } from './utc-day.js';
export { daysInUtcMonth, utcDayNumber, utcDayString } from './utc-day.js';
export { prorate } from './proration.js';
export type { RangeRevenue, RevenuePeriod, RevenueSource, TierFallback, TierPriceMap } from './revenue-for-range.js';
export { revenueForRange } from './revenue-for-range.js';
export type { CustomerMrr, RevenueMetrics } from './revenue-metrics.js';
export { revenueMetrics } from './revenue-metrics.js';
export type { BudgetState, BudgetStateName, BudgetThresholds } from './budget-state.js';
export { DEFAULT_BUDGET_THRESHOLDS, budgetState } from './budget-state.js';
export { projectedExhaustion } from './projected-exhaustion.js';
export type { MonthEndForecast, MonthEndForecastInput } from './forecast.js';
export { forecastMonthEnd } from './forecast.js';
export type { CostSpike, CostSpikeOptions, DailyFeatureCost } from './cost-spike.js';
export { costSpikes } from './cost-spike.js';
export type { CacheHitDrop, CacheHitDropOptions, DailyCacheUse } from './cache-hit-drop.js';
export { cacheHitDrops } from './cache-hit-drop.js';
export type { ErrorRateBreach, ErrorRateOptions, ModelWindowCalls } from './error-rate.js';
export { errorRateBreaches } from './error-rate.js';
export type { UnitCostBreach, UnitCostItem, UnitCostOptions } from './unit-cost-over-target.js';
export { unitCostBreaches } from './unit-cost-over-target.js';
export type {
  ProfitabilityInput,
  SuggestedAction,
  SuggestedActionCode,
  UnprofitableCustomer,
  UnprofitableOptions,
} from './unprofitable.js';
export { unprofitableCustomers } from './unprofitable.js';
