import type { PnlStore } from '../store/pnl-store.js';
import { query } from '../store/query-files.js';
import { StoreError } from '../store/store-error.js';

/** Per-customer facts for a range of days, as customer-facts.sql returns them (money as exact decimal text). */
export interface CustomerFactsRow {
  customer_id: string;
  tier: string;
  base_cost_usd: string;
  evolution_cost_usd: string;
  evolution_retry_usd: string;
  evolution_escalation_usd: string;
  evolution_reexecution_usd: string;
  evolution_fallback_usd: string;
  calls: number;
  error_calls: number;
  unpriced_calls: number;
  retry_calls: number;
  escalation_calls: number;
  other_retry_calls: number;
  cache_read_tokens: number;
  input_tokens_total: number;
  runs: number;
  failed_runs: number;
  successful_outcomes: number;
  outcome_value: number;
}

export interface RevenueRow {
  customer_id: string;
  /** YYYY-MM-DD, inclusive. */
  period_start: string;
  /** YYYY-MM-DD, exclusive. */
  period_end: string;
  source: string;
  amount_usd: string;
}

export interface BudgetRow {
  customer_id: string;
  period: 'month' | 'custom';
  period_start: string | null;
  period_end: string | null;
  limit_usd: string;
  warn_ratio: number;
  alert_ratio: number;
}

/** ClickHouse reads and writes of the P&L engine. Dates are `YYYY-MM-DD` (UTC days); ranges are [from, to). */
export class PnlRepository {
  constructor(private readonly store: PnlStore) {}

  customerFacts(from: string, to: string, customer = ''): Promise<CustomerFactsRow[]> {
    return this.store.select<CustomerFactsRow>(query('customer-facts'), { from, to, customer });
  }

  revenueRows(from: string, to: string, customer = ''): Promise<RevenueRow[]> {
    return this.store.select<RevenueRow>(query('revenue-rows'), { from, to, customer });
  }

  /** Daily LLM cost per customer for [from, to), for forecasts and trends. */
  dailyCosts(from: string, to: string, customer = ''): Promise<Array<{ customer_id: string; day: string; cost_usd: string }>> {
    return this.store.select(query('daily-costs'), { from, to, customer });
  }

  /** LLM cost, calls, customers and outcomes per feature for [from, to). */
  featureFacts(from: string, to: string): Promise<Array<{ feature: string; cost_usd: string; calls: number; customers: number; outcomes: number; outcome_value: number }>> {
    return this.store.select(query('feature-facts'), { from, to });
  }

  async putRevenue(rows: readonly RevenueRow[]): Promise<void> {
    await this.insert('pnl.revenue', rows);
  }

  async budgets(customer = ''): Promise<BudgetRow[]> {
    return this.store.select<BudgetRow>(
      `SELECT customer_id, argMax(period, updated_at) AS period, toString(argMax(period_start, updated_at)) AS period_start,
              toString(argMax(period_end, updated_at)) AS period_end, toString(argMax(limit_usd, updated_at)) AS limit_usd,
              argMax(warn_ratio, updated_at) AS warn_ratio, argMax(alert_ratio, updated_at) AS alert_ratio
       FROM pnl.budgets WHERE {customer:String} = '' OR customer_id = {customer:String}
       GROUP BY customer_id ORDER BY customer_id`,
      { customer },
    );
  }

  async putBudget(row: BudgetRow): Promise<void> {
    await this.insert('pnl.budgets', [row]);
  }

  /**
   * Records the tier prices in effect (PNL_TIER_PRICES) as a new generation, for SQL readers
   * that fall back on them like the engine does (clickhouse/migrations/012_tier_prices.sql).
   */
  async putTierPrices(prices: Readonly<Record<string, number>>, at: Date = new Date()): Promise<void> {
    const writtenAt = at.toISOString().replace('T', ' ').replace('Z', '');
    const rows = Object.entries(prices).map(([tier, monthly_usd]) => ({ written_at: writtenAt, tier, monthly_usd }));
    await this.insert('pnl.tier_prices', rows.length > 0 ? rows : [{ written_at: writtenAt, tier: '', monthly_usd: 0 }]);
  }

  async audit(actor: string, action: string, target: string, details: unknown): Promise<void> {
    await this.insert('pnl.audit_log', [{ actor, action, target, details: JSON.stringify(details) }]);
  }

  private async insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.store.client.insert({ table, values: [...rows], format: 'JSONEachRow' });
    } catch (err) {
      throw new StoreError(`insert into ${table}`, err);
    }
  }
}
