import { Gauge } from 'prom-client';
import { isoDay, monthToDate } from '../api/date-range.js';
import type { Logger } from '../log/logger.js';
import type { AnomalyDetector } from './anomalies.js';
import { OTHER_CUSTOMER } from '../metrics/customer-labels.js';
import type { PnlMetrics } from '../metrics/pnl-metrics.js';
import type { PnlEngine } from './pnl-engine.js';

/**
 * P&L gauges, recomputed from ClickHouse on an interval (month to date) so that every exporter
 * replica publishes the same values, whichever spans it received. The customer label is the
 * bounded one of the counters: customers outside the top N are summed into `__other__`
 * (money only; ratios and scores of a group would mean nothing). Budgets are the exception:
 * every budget in effect today has its own series, under the customer's id, whatever the
 * customer's rank, because a small customer with a small budget is the one most likely to run
 * out of it. Their number is the number of budgets someone set, which bounds those series.
 */
export class PnlGauges {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly g: Record<string, Gauge>;

  constructor(
    private readonly engine: PnlEngine,
    private readonly metrics: PnlMetrics,
    private readonly logger: Logger,
    private readonly marginTargetPct: number,
    private readonly detector?: AnomalyDetector,
  ) {
    const registers = [metrics.registry];
    const gauge = (name: string, help: string, labelNames: string[] = ['customer']): Gauge => new Gauge({ name, help, labelNames, registers });
    this.g = {
      revenue: gauge('pnl_customer_revenue_usd', 'Revenue this month to date (prorated; tier price where none is recorded).'),
      cost: gauge('pnl_customer_cost_usd', 'LLM cost this month to date.'),
      pnl: gauge('pnl_customer_pnl_usd', 'Agentic P&L this month to date: revenue - LLM cost.'),
      margin: gauge('pnl_customer_margin_ratio', 'Gross margin this month to date, 0..1 (absent without revenue).'),
      risk: gauge('pnl_customer_risk_score', 'Risk score 0..100 (failure rate 35%, evolution cost 25%, margin 25%, retries 15%).'),
      tier: gauge('pnl_customer_risk_tier', 'Risk tier, one-hot: 1 for the customer\'s tier.', ['customer', 'tier']),
      utilization: gauge('pnl_budget_utilization_ratio', 'LLM spend / budget limit in the budget period.'),
      limit: gauge('pnl_budget_limit_usd', 'Budget limit in USD.'),
      warnRatio: gauge('pnl_budget_warn_ratio', 'The budget\'s warn threshold, a share of its limit (warn_ratio, default 0.7).'),
      alertRatio: gauge('pnl_budget_alert_ratio', 'The budget\'s alert threshold, a share of its limit (alert_ratio, default 0.9).'),
      forecast: gauge('pnl_forecast_cost_usd', 'Forecast LLM cost at month end (linear burn).'),
      portfolioRevenue: gauge('pnl_portfolio_revenue_usd', 'Revenue of all customers this month to date.', []),
      portfolioCost: gauge('pnl_portfolio_cost_usd', 'LLM cost of all customers this month to date.', []),
      anomaly: gauge('pnl_anomaly', 'A seed-004 anomaly firing now (1): cost_spike, cache_hit_drop, error_rate, unit_cost.', ['customer', 'feature', 'model', 'kind']),
      marginTarget: gauge('pnl_margin_target_ratio', 'Configured gross margin target, 0..1 (PNL_MARGIN_TARGET_PCT).', []),
      refreshed: gauge('pnl_gauges_refreshed_timestamp_seconds', 'When the P&L gauges were last recomputed.', []),
    };
  }

  /** Refreshes now and then every `intervalMs`. */
  start(intervalMs: number): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a refresh in progress, so ClickHouse can be closed after it. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }

  /** Recomputes every gauge; overlapping calls share one run. */
  refresh(now: Date = new Date()): Promise<void> {
    this.running ??= this.compute(now)
      .catch((err: unknown) => this.logger.warn('P&L gauge refresh failed', { error: (err as Error).message }))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async compute(now: Date): Promise<void> {
    const [summary, budgets, forecasts, anomalies] = await Promise.all([
      this.engine.summary(monthToDate(now)),
      this.engine.budgetStatuses(now),
      this.engine.forecasts(now),
      this.detector?.detect(now) ?? Promise.resolve([]),
    ]);
    const g = this.g;
    for (const gauge of Object.values(g)) gauge.reset();
    const other = { revenue: 0, cost: 0, pnl: 0, present: false };
    for (const c of summary.customers) {
      const label = this.metrics.customers.label(c.customer);
      if (label === OTHER_CUSTOMER) {
        other.revenue += c.revenue;
        other.cost += c.totalCost;
        other.pnl += c.pnl;
        other.present = true;
        continue;
      }
      g.revenue!.set({ customer: label }, c.revenue);
      g.cost!.set({ customer: label }, c.totalCost);
      g.pnl!.set({ customer: label }, c.pnl);
      if (c.marginPct !== null) g.margin!.set({ customer: label }, c.marginPct / 100);
      g.risk!.set({ customer: label }, c.riskScore);
      for (const tier of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']) g.tier!.set({ customer: label, tier }, c.riskTier === tier ? 1 : 0);
    }
    if (other.present) {
      g.revenue!.set({ customer: OTHER_CUSTOMER }, other.revenue);
      g.cost!.set({ customer: OTHER_CUSTOMER }, other.cost);
      g.pnl!.set({ customer: OTHER_CUSTOMER }, other.pnl);
    }
    const today = isoDay(now);
    for (const b of budgets) {
      if (b.limit_usd === null || b.utilization === null) continue;
      // A custom period that ended (or has not begun) caps nothing today: left out, its last
      // utilization would keep a budget alert firing after the period is over.
      if (today < b.period_start || today >= b.period_end) continue;
      const customer = { customer: b.customer };
      g.utilization!.set(customer, b.utilization);
      g.limit!.set(customer, b.limit_usd);
      g.warnRatio!.set(customer, b.thresholds.warn);
      g.alertRatio!.set(customer, b.thresholds.alert);
    }
    for (const f of forecasts) {
      const label = this.metrics.customers.label(f.customer);
      if (label !== OTHER_CUSTOMER) g.forecast!.set({ customer: label }, f.forecast.projectedCostUsd);
    }
    for (const a of anomalies) {
      const customer = a.customer === '' ? '' : this.metrics.customers.label(a.customer);
      // Bounded like the counters' labels (count and length), so the two join and a sender's
      // invented names cannot grow this gauge without end; '' (no such part) stays ''.
      const feature = a.feature === '' ? '' : this.metrics.features.label(a.feature);
      const model = a.model === '' ? '' : this.metrics.models.label(a.model);
      g.anomaly!.set({ customer, feature, model, kind: a.kind }, 1);
    }
    g.portfolioRevenue!.set(summary.totals.revenue);
    g.portfolioCost!.set(summary.totals.totalCost);
    g.marginTarget!.set(this.marginTargetPct / 100);
    g.refreshed!.set(now.getTime() / 1000);
  }
}
