import { dashboard } from './dashboard.js';
import type { Dashboard } from './model.js';
import { BUDGET_THRESHOLDS, bargauge, table, timeseries } from './panels.js';
import { chTable, prom } from './targets.js';

/** Budget burn per customer and the alerts firing now. */
export function budgetsAlerts(): Dashboard {
  return dashboard({
    uid: 'pnl-budgets',
    title: 'Agentic P&L: budgets and alerts',
    description: 'Budget utilization per customer, month-end forecast against the limit, budgets as configured, and firing alerts.',
    time: { from: 'now-24h', to: 'now' },
    panels: [
      bargauge({
        title: 'Budget utilization by customer',
        description: 'Spend / limit of each customer\'s current budget period (Prometheus pnl_budget_utilization_ratio), for every budget in effect today. The colours mark the default 70 % warn and 90 % alert levels; a budget set with its own warn_ratio and alert_ratio is alerted at those (see the table). Capped at 100 %.',
        unit: 'percentunit', w: 12, h: 10, max: 1, thresholds: BUDGET_THRESHOLDS,
        targets: [prom('sort_desc(max by (customer) (pnl_budget_utilization_ratio))', '{{customer}}', { instant: true })],
      }),
      timeseries({
        title: 'Budget utilization over time',
        description: 'Budget utilization per customer over time (Prometheus pnl_budget_utilization_ratio), with the default 70 % and 90 % levels (a budget\'s own warn_ratio and alert_ratio are in the table).',
        unit: 'percentunit', w: 12, h: 10, thresholds: BUDGET_THRESHOLDS,
        targets: [prom('max by (customer) (pnl_budget_utilization_ratio)', '{{customer}}')],
      }),
      table({
        title: 'Budgets and spend this period',
        description: 'Budgets as configured (PUT /api/v1/budgets/{customer}, pnl.budgets) with the priced spend of their current period (calendar month UTC, or the custom period) from pnl.llm_costs_daily. Click a customer for its P&L.',
        unit: 'short', w: 12, h: 9, sortBy: 'utilization', customerLink: true,
        columnUnits: { budget_usd: 'currencyUSD', spend_usd: 'currencyUSD', utilization: 'percentunit', warn_at: 'percentunit', alert_at: 'percentunit' },
        targets: [chTable(`
          SELECT b.customer_id AS customer_id, b.budget_period AS budget_period, b.p_start AS period_start_day, b.p_end AS period_end_day,
                 toFloat64(b.budget) AS budget_usd,
                 toFloat64(sumIf(c.cost, c.cost_day >= b.p_start AND c.cost_day < b.p_end)) AS spend_usd,
                 if(b.budget > 0, spend_usd / toFloat64(b.budget), NULL) AS utilization,
                 b.warn_at AS warn_at, b.alert_at AS alert_at
          FROM (
            SELECT customer_id, period AS budget_period,
                   if(period = 'custom', assumeNotNull(period_start), toStartOfMonth(today())) AS p_start,
                   if(period = 'custom', assumeNotNull(period_end), addMonths(toStartOfMonth(today()), 1)) AS p_end,
                   limit_usd AS budget, warn_ratio AS warn_at, alert_ratio AS alert_at
            FROM pnl.budgets FINAL
          ) AS b
          LEFT JOIN (
            SELECT customer_id, day AS cost_day, sum(cost_usd) AS cost
            FROM pnl.llm_costs_daily
            GROUP BY customer_id, cost_day
          ) AS c ON b.customer_id = c.customer_id
          GROUP BY b.customer_id, b.budget_period, b.p_start, b.p_end, b.budget, b.warn_at, b.alert_at
          ORDER BY utilization DESC`)],
      }),
      bargauge({
        title: 'Forecast month-end cost',
        description: 'Projected month-end LLM cost per customer (linear burn, Prometheus pnl_forecast_cost_usd), for the 20 highest.',
        unit: 'currencyUSD', w: 12, h: 9,
        targets: [prom('sort_desc(topk(20, max by (customer) (pnl_forecast_cost_usd)))', '{{customer}}', { instant: true })],
      }),
      table({
        title: 'Firing alerts',
        description: 'Alerts firing now (Prometheus ALERTS{alertstate="firing"}), with their labels; rules live in grafana/prometheus, routing in Alertmanager.',
        unit: 'short', w: 24, h: 8,
        targets: [prom('ALERTS{alertstate="firing"}', '{{alertname}}', { instant: true, table: true })],
      }),
    ],
  });
}
