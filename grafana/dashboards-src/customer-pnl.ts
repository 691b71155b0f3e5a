import { dashboard } from './dashboard.js';
import type { Dashboard, QueryVariable } from './model.js';
import { BUDGET_THRESHOLDS, stat, table, timeseries } from './panels.js';
import { CUSTOMER, revenueDays } from './sql.js';
import { chTable, chTimeSeries, prom } from './targets.js';
import { clickHouseVariable } from './variables.js';

const CUSTOMER_SQL = 'SELECT DISTINCT customer_id FROM pnl.llm_costs_daily ORDER BY customer_id';

/** The `customer` variable: every customer ClickHouse has costs for (not only the top N of the metrics). */
export const customerVariable: QueryVariable = clickHouseVariable({
  name: 'customer',
  label: 'Customer',
  description: 'Customer id (pnl.customer.id), from ClickHouse pnl.llm_costs_daily.',
  sql: CUSTOMER_SQL,
  filter: false,
});

const totals = `
  WITH
    (SELECT sum(rev_usd) FROM (${revenueDays(`customer_id = ${CUSTOMER}`)})) AS revenue_total,
    (SELECT sum(cost_usd) FROM pnl.llm_costs_daily WHERE customer_id = ${CUSTOMER} AND $__dateFilter(day)) AS cost_total,
    (SELECT sumIf(cost_usd, attempt_reason != '') FROM pnl.llm_costs_daily WHERE customer_id = ${CUSTOMER} AND $__dateFilter(day)) AS evolution_total`;

/** One customer's P&L: where its LLM money goes, whether its runs succeed, and its budget. */
export function customerPnl(): Dashboard {
  return dashboard({
    uid: 'pnl-customer',
    title: 'Agentic P&L: customer',
    description: 'Revenue, LLM cost (base vs evolution), cost by feature and model, failure rate, cost per outcome and budget of one customer.',
    variables: [customerVariable],
    panels: [
      stat({
        title: 'Revenue, LLM cost and P&L',
        description: 'The customer\'s revenue in the range (periods spread evenly over their days), priced LLM cost, the evolution part of it (retries, escalations, re-executions, fallbacks) and revenue minus cost.',
        unit: 'currencyUSD', w: 16, h: 5,
        targets: [chTable(`${totals}
          SELECT toFloat64(revenue_total) AS revenue_usd, toFloat64(cost_total) AS llm_cost_usd,
                 toFloat64(evolution_total) AS evolution_cost_usd, toFloat64(revenue_total - cost_total) AS pnl_usd`)],
      }),
      stat({
        title: 'Gross margin',
        description: '(Revenue - LLM cost) / revenue for this customer over the range; empty without revenue. Red below 0, orange below 50 %.',
        unit: 'percentunit', w: 8, h: 5, baseColor: 'red', thresholds: [[0, 'orange'], [0.5, 'green']],
        targets: [chTable(`${totals}
          SELECT if(revenue_total > 0, toFloat64(revenue_total - cost_total) / toFloat64(revenue_total), NULL) AS gross_margin`)],
      }),
      timeseries({
        title: 'LLM cost over time: base vs evolution',
        description: 'Priced cost per interval, split into base cost (first attempts) and evolution cost (calls with an attempt reason: retry, escalation, re-execution, fallback). ClickHouse pnl.llm_calls.',
        unit: 'currencyUSD', w: 16, h: 9, stack: true,
        targets: [chTimeSeries(`
          SELECT $__timeInterval(start_time) AS time,
                 toFloat64(sumIf(cost_usd, attempt_reason = '')) AS base_cost_usd,
                 toFloat64(sumIf(cost_usd, attempt_reason != '')) AS evolution_cost_usd
          FROM pnl.llm_calls
          WHERE customer_id = ${CUSTOMER} AND $__timeFilter(start_time)
          GROUP BY time
          ORDER BY time`)],
      }),
      timeseries({
        title: 'Budget utilization',
        description: 'Spend / limit of the customer\'s current budget period (Prometheus pnl_budget_utilization_ratio). Coloured at the default 70 % warn and 90 % alert levels (a budget may set its own), capped at 100 %. Empty when the customer has no budget in effect today.',
        unit: 'percentunit', w: 8, h: 9, thresholds: BUDGET_THRESHOLDS,
        targets: [prom('max(pnl_budget_utilization_ratio{customer="$customer"})', 'utilization')],
      }),
      table({
        title: 'LLM cost by feature and model',
        description: 'Calls, errors, tokens and priced cost per feature, provider and model in the range. ClickHouse pnl.llm_costs_daily.',
        unit: 'short', w: 12, h: 9, sortBy: 'llm_cost_usd',
        columnUnits: { llm_cost_usd: 'currencyUSD', evolution_cost_usd: 'currencyUSD' },
        targets: [chTable(`
          SELECT feature_id AS feature, provider AS provider_name, model AS model_name,
                 sum(calls) AS n_calls, sum(error_calls) AS n_errors,
                 sum(input_tokens) + sum(cache_read_tokens) + sum(cache_write_tokens) + sum(output_tokens) AS n_tokens,
                 toFloat64(sum(cost_usd)) AS llm_cost_usd,
                 toFloat64(sumIf(cost_usd, attempt_reason != '')) AS evolution_cost_usd
          FROM pnl.llm_costs_daily
          WHERE customer_id = ${CUSTOMER} AND $__dateFilter(day)
          GROUP BY feature_id, provider, model
          ORDER BY llm_cost_usd DESC`)],
      }),
      table({
        title: 'Cost per outcome',
        description: 'Business outcomes recorded (recordOutcome, pnl.outcomes) per name and feature, the feature\'s LLM cost in the range, and that cost divided by the outcomes.',
        unit: 'short', w: 12, h: 9, sortBy: 'cost_per_outcome_usd',
        columnUnits: { feature_cost_usd: 'currencyUSD', cost_per_outcome_usd: 'currencyUSD' },
        targets: [chTable(`
          SELECT o.outcome_name AS outcome_name, o.feature AS feature, o.n AS outcomes,
                 toFloat64(c.cost) AS feature_cost_usd,
                 toFloat64(c.cost) / o.n AS cost_per_outcome_usd
          FROM (
            SELECT name AS outcome_name, feature_id AS feature, count() AS n
            FROM pnl.outcomes
            WHERE customer_id = ${CUSTOMER} AND $__timeFilter(at)
            GROUP BY outcome_name, feature
          ) AS o
          LEFT JOIN (
            SELECT feature_id AS feature, sum(cost_usd) AS cost
            FROM pnl.llm_costs_daily
            WHERE customer_id = ${CUSTOMER} AND $__dateFilter(day)
            GROUP BY feature
          ) AS c ON o.feature = c.feature
          ORDER BY cost_per_outcome_usd DESC`)],
      }),
      timeseries({
        title: 'Agent run failure rate',
        description: 'Share of agent runs (invoke_agent spans, pnl.agent_runs) that failed per interval: outcome failure or error status. Orange above 10 %, red above 25 %.',
        unit: 'percentunit', w: 24, h: 8, thresholds: [[0.1, 'orange'], [0.25, 'red']],
        targets: [chTimeSeries(`
          SELECT $__timeInterval(start_time) AS time,
                 countIf(outcome = 'failure' OR status = 'error') / count() AS failure_rate
          FROM pnl.agent_runs
          WHERE customer_id = ${CUSTOMER} AND $__timeFilter(start_time)
          GROUP BY time
          ORDER BY time`)],
      }),
    ],
  });
}
