import { addDays, isoDay, type DayRange } from '../api/date-range.js';
import {
  budgetState,
  customerSnapshot,
  daysInUtcMonth,
  forecastMonthEnd,
  projectedExhaustion,
  revenueForRange,
  revenueMetrics,
  type RevenueMetrics,
  trendDirection,
  unprofitableCustomers,
  type CustomerPeriodFacts,
  type CustomerSnapshot,
  type MonthEndForecast,
  type TierPriceMap,
  type TrendDirection,
} from './math/index.js';
import type { CustomerLine, FeatureLine, PortfolioSummary, RiskTier } from './portfolio-types.js';
import type { BudgetRow, CustomerFactsRow, PnlRepository, RevenueRow } from './pnl-repository.js';

/** Settings of the P&L engine. */
export interface PnlEngineOptions {
  /** Subscription tier -> monthly price (USD), used for days no recorded revenue covers. */
  tierMonthlyPrices: TierPriceMap;
  /** Gross margin target in percent, for the "margin below target" flag. */
  marginTargetPct: number;
}

/** A customer's snapshot with who it is and where the revenue came from. */
export interface CustomerReport extends CustomerSnapshot {
  customer: string;
  tier: string;
  period: DayRange;
  revenueSource: 'explicit' | 'tier_price' | 'mixed' | 'none';
  calls: number;
  runs: number;
}

/** Budget state as `GET /api/v1/budgets/{customer}` returns it (the instrumentation's budget guard reads `state`). */
export interface BudgetStatus {
  customer: string;
  state: 'ok' | 'warn' | 'alert' | 'capped';
  /** spent / limit; null when the customer has no budget. */
  utilization: number | null;
  limit_usd: number | null;
  spent_usd: number;
  period_start: string;
  /** Exclusive. */
  period_end: string;
  /** ISO time the budget runs out at the current burn rate, or null. */
  projected_exhaustion: string | null;
  thresholds: { warn: number; alert: number; capped: number };
}

/**
 * The budget key of the whole portfolio: a budget stored under it limits the LLM spend of all
 * customers together (seed 004: budgets apply per customer and globally). Double underscores,
 * like `__other__` and `__unattributed__`, mark an id that is not a customer's.
 */
export const PORTFOLIO_BUDGET = '__all__';

const TIERS: RiskTier[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];

/**
 * Turns stored calls, runs, outcomes and revenue into the Agentic P&L. Sums come exact from
 * ClickHouse (`clickhouse/queries`); the scoring is the pure math in `./math`.
 */
export class PnlEngine {
  constructor(
    private readonly repo: PnlRepository,
    private readonly options: PnlEngineOptions,
  ) {}

  /** Every customer with LLM activity in the range, with revenue, P&L and risk. */
  async reports(range: DayRange, customer = ''): Promise<CustomerReport[]> {
    const [facts, revenue] = await Promise.all([this.repo.customerFacts(range.from, range.to, customer), this.repo.revenueRows(range.from, range.to, customer)]);
    const revenueByCustomer = groupBy(revenue, (r) => r.customer_id);
    return facts.map((f) => this.report(f, revenueByCustomer.get(f.customer_id) ?? [], range));
  }

  /** One customer's snapshot, or null when it had no LLM activity in the range. */
  async snapshot(customer: string, range: DayRange): Promise<CustomerReport | null> {
    return (await this.reports(range, customer))[0] ?? null;
  }

  /** The portfolio P&L: totals, risk distribution, customers by cost, and who loses money. */
  async summary(range: DayRange): Promise<PortfolioSummary> {
    const [reports, featureRows] = await Promise.all([this.reports(range), this.repo.featureFacts(range.from, range.to)]);
    const features: FeatureLine[] = featureRows
      .map((f) => {
        const cost = Number(f.cost_usd);
        const outcomes = Number(f.outcomes);
        return { feature: f.feature, cost, calls: Number(f.calls), customers: Number(f.customers), outcomes, costPerOutcome: outcomes > 0 ? cost / outcomes : null };
      })
      .sort((a, b) => (b.costPerOutcome ?? -1) - (a.costPerOutcome ?? -1) || b.cost - a.cost);
    const lines = reports.map(toLine).sort((a, b) => b.totalCost - a.totalCost || a.customer.localeCompare(b.customer));
    const sum = (pick: (l: CustomerLine) => number): number => lines.reduce((s, l) => s + pick(l), 0);
    const revenue = sum((l) => l.revenue);
    const totalCost = sum((l) => l.totalCost);
    const byTier = Object.fromEntries(TIERS.map((t) => [t, lines.filter((l) => l.riskTier === t).length])) as Record<RiskTier, number>;
    const losing = unprofitableCustomers(
      reports.map((r) => ({ customerId: r.customer, tier: r.tier || null, revenueSource: r.revenueSource, snapshot: r })),
      { tierMonthlyPrices: this.options.tierMonthlyPrices },
    );
    return {
      period: range,
      totals: {
        revenue,
        baseCost: sum((l) => l.baseCost),
        evolutionCost: sum((l) => l.evolutionCost),
        totalCost,
        pnl: revenue - totalCost,
        marginPct: revenue > 0 ? ((revenue - totalCost) * 100) / revenue : null,
        calls: sum((l) => l.calls),
        runs: sum((l) => l.runs),
        customers: lines.length,
        unpricedCalls: sum((l) => l.unpricedCalls),
      },
      customersByRiskTier: byTier,
      customers: lines,
      features,
      unprofitable: losing.map((u) => ({ customer: u.customerId, loss: u.lossUsd, action: u.actions.map((a) => a.message.replace(/\.?$/, '.')).join(' ') })),
    };
  }

  /**
   * Snapshots of consecutive periods ending with the one containing `now`, and the trend they
   * show. The current period ends today (inclusive), like month to date: its cost so far is set
   * against its revenue so far, not against the whole period's.
   */
  async trend(customer: string, periods: number, granularity: 'month' | 'week', now: Date = new Date()): Promise<{ direction: TrendDirection; periods: Array<{ period: DayRange; snapshot: CustomerReport | null }> }> {
    const ranges = periodRanges(periods, granularity, now);
    const tomorrow = addDays(isoDay(now), 1);
    const current = ranges[ranges.length - 1];
    if (current !== undefined && current.to > tomorrow) ranges[ranges.length - 1] = { from: current.from, to: tomorrow };
    const snapshots = await Promise.all(ranges.map((r) => this.snapshot(customer, r)));
    const present = snapshots.filter((s): s is CustomerReport => s !== null);
    return { direction: trendDirection(present), periods: ranges.map((period, i) => ({ period, snapshot: snapshots[i] ?? null })) };
  }

  /**
   * Budget state of a customer in its current budget period. No budget: state 'ok' and a null
   * limit. `PORTFOLIO_BUDGET` gives the portfolio's: the spend of every customer together.
   */
  async budgetStatus(customer: string, now: Date = new Date()): Promise<BudgetStatus> {
    const [budget] = await this.repo.budgets(customer);
    return this.statusOf(customer, budget, now);
  }

  /** Budget states of every customer that has a budget, and of the portfolio's if one is set. */
  async budgetStatuses(now: Date = new Date()): Promise<BudgetStatus[]> {
    const month = monthOf(now);
    // One facts query for every monthly budget instead of one per customer; custom periods query their own.
    const [budgets, monthFacts] = await Promise.all([this.repo.budgets(), this.repo.customerFacts(month.from, month.to)]);
    const spentByCustomer = new Map(monthFacts.map((f) => [f.customer_id, spentOf([f])]));
    spentByCustomer.set(PORTFOLIO_BUDGET, spentOf(monthFacts));
    return Promise.all(budgets.map((b) => this.statusOf(b.customer_id, b, now, isCustomPeriod(b) ? undefined : (spentByCustomer.get(b.customer_id) ?? 0))));
  }

  /**
   * Seed 001's revenue metrics for a calendar month (`YYYY-MM`): MRR is each customer's
   * revenue for the whole month (recorded rows, else the tier price), compared with the
   * month before for NRR, GRR, churned and expanding customers.
   */
  async revenueMetrics(month: string): Promise<RevenueMetrics & { month: string; previousMonth: string }> {
    const current = monthOf(new Date(`${month}-01T00:00:00Z`));
    const previous = monthOf(new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 2, 1)));
    const mrrOf = async (m: DayRange): Promise<Map<string, number>> => {
      const [rows, facts] = await Promise.all([this.repo.revenueRows(m.from, m.to), this.repo.customerFacts(m.from, m.to)]);
      const tiers = new Map(facts.map((f) => [f.customer_id, f.tier]));
      const byCustomer = groupBy(rows, (r) => r.customer_id);
      const out = new Map<string, number>();
      for (const customer of new Set([...byCustomer.keys(), ...tiers.keys()])) {
        const tier = tiers.get(customer) ?? '';
        const r = revenueForRange((byCustomer.get(customer) ?? []).map(toRevenuePeriod), m.from, m.to, tier ? { tier, tierMonthlyPrices: this.options.tierMonthlyPrices } : undefined);
        out.set(customer, r.totalUsd);
      }
      return out;
    };
    const [start, end] = await Promise.all([mrrOf(previous), mrrOf(current)]);
    const customers = [...new Set([...start.keys(), ...end.keys()])].map((customerId) => ({
      customerId,
      startMrrUsd: start.get(customerId) ?? 0,
      endMrrUsd: end.get(customerId) ?? 0,
    }));
    return { month: current.from.slice(0, 7), previousMonth: previous.from.slice(0, 7), ...revenueMetrics(customers) };
  }

  /** Month-end cost and margin forecast of every customer active this month. */
  async forecasts(now: Date = new Date()): Promise<Array<{ customer: string; forecast: MonthEndForecast }>> {
    const month = monthOf(now);
    const today = isoDay(now);
    // Complete days only, as the forecast documents: today's partial day would drag the mean
    // down every morning. On the 1st there is none yet, so no forecast.
    const elapsed = now.getUTCDate() - 1;
    if (elapsed === 0) return [];
    const [daily, reports] = await Promise.all([this.repo.dailyCosts(month.from, today), this.reports(month)]);
    const byCustomer = groupBy(daily, (d) => d.customer_id);
    const days = daysInUtcMonth(now.getUTCFullYear(), now.getUTCMonth() + 1);
    const out: Array<{ customer: string; forecast: MonthEndForecast }> = [];
    for (const r of reports) {
      const costs = new Array<number>(elapsed).fill(0);
      for (const d of byCustomer.get(r.customer) ?? []) costs[Number(d.day.slice(8, 10)) - 1] = Number(d.cost_usd);
      // The report covers the whole month, so its revenue is the month's (rows, else tier price).
      const forecast = forecastMonthEnd({ dailyCostsUsd: costs, daysInPeriod: days, revenueUsd: r.revenueUsd });
      if (forecast !== null) out.push({ customer: r.customer, forecast });
    }
    return out;
  }

  /** `knownSpend`: the period's spend when the caller already has it. */
  private async statusOf(customer: string, budget: BudgetRow | undefined, now: Date, knownSpend?: number): Promise<BudgetStatus> {
    const period = budget !== undefined && isCustomPeriod(budget) ? { from: budget.period_start!, to: budget.period_end! } : monthOf(now);
    const spent =
      knownSpend ?? spentOf(await this.repo.customerFacts(period.from, period.to, customer === PORTFOLIO_BUDGET ? '' : customer));
    const thresholds = { warn: budget?.warn_ratio ?? 0.7, alert: budget?.alert_ratio ?? 0.9, capped: 1 };
    const base = { customer, spent_usd: spent, period_start: period.from, period_end: period.to, thresholds };
    if (budget === undefined) return { ...base, state: 'ok', utilization: null, limit_usd: null, projected_exhaustion: null };
    const limit = Number(budget.limit_usd);
    const state = budgetState(spent, limit, thresholds);
    const exhaustion = projectedExhaustion(spent, limit, new Date(`${period.from}T00:00:00Z`), new Date(`${period.to}T00:00:00Z`), now);
    return { ...base, state: state.state, utilization: state.utilization, limit_usd: limit, projected_exhaustion: exhaustion?.toISOString() ?? null };
  }

  private report(f: CustomerFactsRow, revenueRows: readonly RevenueRow[], range: DayRange): CustomerReport {
    const revenue = revenueForRange(
      revenueRows.map(toRevenuePeriod),
      range.from,
      range.to,
      f.tier ? { tier: f.tier, tierMonthlyPrices: this.options.tierMonthlyPrices } : undefined,
    );
    const facts: CustomerPeriodFacts = {
      revenueUsd: revenue.totalUsd,
      baseCostUsd: Number(f.base_cost_usd),
      evolutionCostUsd: Number(f.evolution_cost_usd),
      evolutionCostByReasonUsd: {
        retry: Number(f.evolution_retry_usd),
        escalation: Number(f.evolution_escalation_usd),
        reexecution: Number(f.evolution_reexecution_usd),
        fallback: Number(f.evolution_fallback_usd),
      },
      calls: Number(f.calls),
      errorCalls: Number(f.error_calls),
      unpricedCalls: Number(f.unpriced_calls),
      runs: Number(f.runs),
      failedRuns: Number(f.failed_runs),
      retryAttempts: Number(f.retry_calls),
      escalationAttempts: Number(f.escalation_calls),
      otherExtraAttempts: Number(f.other_retry_calls),
      successfulOutcomes: Number(f.successful_outcomes),
      outcomeValueUsd: Number(f.outcome_value),
      cacheReadTokens: Number(f.cache_read_tokens),
      inputTokensTotal: Number(f.input_tokens_total),
    };
    const snapshot = customerSnapshot(facts, { thresholds: { marginTargetPct: this.options.marginTargetPct } });
    return { ...snapshot, customer: f.customer_id, tier: f.tier, period: range, revenueSource: revenue.source, calls: facts.calls, runs: facts.runs };
  }
}

/** LLM spend (base and evolution) of the given customers' facts, together. */
function spentOf(facts: readonly CustomerFactsRow[]): number {
  let spent = 0;
  for (const f of facts) spent += Number(f.base_cost_usd) + Number(f.evolution_cost_usd);
  return spent;
}

function isCustomPeriod(b: BudgetRow): boolean {
  return b.period === 'custom' && Boolean(b.period_start) && Boolean(b.period_end);
}

function toLine(r: CustomerReport): CustomerLine {
  return {
    customer: r.customer,
    tier: r.tier,
    revenue: r.revenueUsd,
    revenueEstimated: r.revenueSource === 'tier_price' || r.revenueSource === 'mixed',
    baseCost: r.baseCostUsd,
    evolutionCost: r.evolutionCostUsd,
    totalCost: r.totalCostUsd,
    pnl: r.agenticPnlUsd,
    marginPct: r.grossMarginPct,
    calls: r.calls,
    runs: r.runs,
    failureRate: r.failureRate,
    riskScore: r.riskScore,
    riskTier: r.riskTier,
    flags: r.attentionFlags.map((f) => f.code),
    unpricedCalls: r.unpricedCalls,
  };
}

function toRevenuePeriod(r: RevenueRow) {
  return { periodStart: r.period_start, periodEnd: r.period_end, amountUsd: Number(r.amount_usd) };
}

/** The calendar month (UTC) containing `now`, whole: [first day, first day of next month). */
export function monthOf(now: Date): DayRange {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { from: isoDay(from), to: isoDay(to) };
}

function periodRanges(n: number, granularity: 'month' | 'week', now: Date): DayRange[] {
  const out: DayRange[] = [];
  for (let i = n - 1; i >= 0; i--) {
    if (granularity === 'month') out.push(monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1))));
    else {
      // ISO weeks start on Monday.
      const monday = addDays(isoDay(now), -((now.getUTCDay() + 6) % 7) - 7 * i);
      out.push({ from: monday, to: addDays(monday, 7) });
    }
  }
  return out;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
