import { dashboard } from './dashboard.js';
import type { Dashboard } from './model.js';
import { piechart, stat, table, timeseries } from './panels.js';
import { customerPnl, revenueDays } from './sql.js';
import { chTable, chTimeSeries, prom } from './targets.js';

const PNL_COLUMNS = { revenue_usd: 'currencyUSD', llm_cost_usd: 'currencyUSD', evolution_cost_usd: 'currencyUSD', pnl_usd: 'currencyUSD', gross_margin: 'percentunit' } as const;

/** Portfolio view for the business: is LLM spend paid for, and by whom is it not. */
export function execOverview(): Dashboard {
  return dashboard({
    uid: 'pnl-exec',
    title: 'Agentic P&L: executive overview',
    description: 'Revenue against LLM cost for the whole portfolio, margin, risk, and the customers that cost the most or lose money.',
    panels: [
      stat({
        title: 'Revenue',
        description: 'Revenue in the range: each revenue period (PUT /api/v1/revenue) spread evenly over its days. ClickHouse pnl.revenue.',
        unit: 'currencyUSD', w: 5, h: 5,
        targets: [chTable(`SELECT toFloat64(sum(rev_usd)) AS revenue_usd FROM (${revenueDays()})`)],
      }),
      stat({
        title: 'LLM cost',
        description: 'Priced LLM cost in the range (base plus evolution cost from retries, escalations, re-executions and fallbacks). ClickHouse pnl.llm_costs_daily; unpriced calls are not included.',
        unit: 'currencyUSD', w: 5, h: 5,
        targets: [chTable(`
          SELECT toFloat64(sum(cost_usd)) AS llm_cost_usd, toFloat64(sumIf(cost_usd, attempt_reason != '')) AS evolution_cost_usd
          FROM pnl.llm_costs_daily
          WHERE $__dateFilter(day)`)],
      }),
      stat({
        title: 'Portfolio P&L',
        description: 'Revenue minus LLM cost over the range, all customers. Red when negative.',
        unit: 'currencyUSD', w: 5, h: 5, baseColor: 'red', thresholds: [[0, 'green']],
        targets: [chTable(`
          WITH
            (SELECT sum(rev_usd) FROM (${revenueDays()})) AS revenue_total,
            (SELECT sum(cost_usd) FROM pnl.llm_costs_daily WHERE $__dateFilter(day)) AS cost_total
          SELECT toFloat64(revenue_total - cost_total) AS pnl_usd`)],
      }),
      stat({
        title: 'Gross margin',
        description: '(Revenue - LLM cost) / revenue over the range. Red below 0, orange below 50 %.',
        unit: 'percentunit', w: 4, h: 5, baseColor: 'red', thresholds: [[0, 'orange'], [0.5, 'green']],
        targets: [chTable(`
          WITH
            (SELECT sum(rev_usd) FROM (${revenueDays()})) AS revenue_total,
            (SELECT sum(cost_usd) FROM pnl.llm_costs_daily WHERE $__dateFilter(day)) AS cost_total
          SELECT if(revenue_total > 0, toFloat64(revenue_total - cost_total) / toFloat64(revenue_total), NULL) AS gross_margin`)],
      }),
      stat({
        title: 'Live LLM cost rate (per hour)',
        description: 'Current spend rate in USD per hour, from the exporter counter over the last 5 minutes (Prometheus). Counters restart at zero with the process; totals come from ClickHouse.',
        unit: 'currencyUSD', w: 5, h: 5, graph: true,
        targets: [prom('sum(rate(pnl_llm_cost_usd_total[5m])) * 3600', 'USD/h')],
      }),
      timeseries({
        title: 'Revenue vs LLM cost per day',
        description: 'Daily revenue (periods spread evenly over their days) against daily priced LLM cost. ClickHouse pnl.revenue and pnl.llm_costs_daily.',
        unit: 'currencyUSD', w: 16, h: 9, bars: true,
        targets: [chTimeSeries(`
          SELECT toDateTime(d) AS time, toFloat64(revenue) AS revenue_usd, toFloat64(cost) AS llm_cost_usd
          FROM (SELECT rev_day AS d, sum(rev_usd) AS revenue FROM (${revenueDays()}) GROUP BY d) AS r
          FULL OUTER JOIN (
            SELECT day AS d, sum(cost_usd) AS cost FROM pnl.llm_costs_daily WHERE $__dateFilter(day) GROUP BY d
          ) AS c USING (d)
          ORDER BY time`)],
      }),
      piechart({
        title: 'Customers by risk tier',
        description: 'Number of customers in each risk tier (LOW, MEDIUM, HIGH, CRITICAL) as the P&L engine scores them month to date (Prometheus pnl_customer_risk_tier). Customers outside the top N by spend count once, as __other__.',
        unit: 'short', w: 8, h: 9,
        targets: [prom('count by (tier) (max by (customer, tier) (pnl_customer_risk_tier) == 1)', '{{tier}}', { instant: true })],
      }),
      table({
        title: 'Top customers by LLM spend',
        description: 'The 20 customers with the highest LLM cost in the range, with revenue, evolution cost, P&L and gross margin. Click a customer for its P&L.',
        unit: 'short', w: 12, h: 10, sortBy: 'llm_cost_usd', columnUnits: PNL_COLUMNS, customerLink: true,
        targets: [chTable(customerPnl('ORDER BY llm_cost_usd DESC, customer_id LIMIT 20'))],
      }),
      table({
        title: 'Top customers by loss',
        description: 'The 20 customers whose LLM cost exceeds their revenue by the most in the range. Click a customer for its P&L.',
        unit: 'short', w: 12, h: 10, sortBy: 'pnl_usd', ascending: true, columnUnits: PNL_COLUMNS, customerLink: true,
        targets: [chTable(customerPnl('WHERE pnl_usd < 0 ORDER BY pnl_usd ASC, customer_id LIMIT 20'))],
      }),
    ],
  });
}
