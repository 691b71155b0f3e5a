import { dashboard } from './dashboard.js';
import type { Dashboard } from './model.js';
import { bargauge, table, timeseries } from './panels.js';
import { chTable, chTimeSeries } from './targets.js';
import { clickHouseVariable, inVariable } from './variables.js';

const CUSTOMERS_SQL = 'SELECT DISTINCT customer_id FROM pnl.llm_costs_daily ORDER BY customer_id';
const FEATURES_SQL = `SELECT DISTINCT feature_id FROM pnl.llm_costs_daily WHERE ${inVariable('customer_id', 'customer')} ORDER BY feature_id`;
/** The rows of the customers and features chosen above the panels (all by default); every table read has both columns. */
const CHOSEN = `${inVariable('customer_id', 'customer')} AND ${inVariable('feature_id', 'feature')}`;

/** Which product features earn their LLM spend: cost, reach and cost per business outcome. */
export function featureEconomics(): Dashboard {
  return dashboard({
    uid: 'pnl-features',
    title: 'Agentic P&L: feature economics',
    description: 'LLM cost, calls, customers and cost per business outcome for each feature (pnl.feature.id), for the customers and features chosen (all by default).',
    variables: [
      clickHouseVariable({ name: 'customer', label: 'Customer', description: 'Customer ids (pnl.customer.id) to include, from ClickHouse pnl.llm_costs_daily.', sql: CUSTOMERS_SQL, filter: true }),
      clickHouseVariable({ name: 'feature', label: 'Feature', description: 'Features (pnl.feature.id) of the chosen customers to include, from ClickHouse pnl.llm_costs_daily.', sql: FEATURES_SQL, filter: true }),
    ],
    panels: [
      table({
        title: 'Feature economics',
        description: 'Per feature in the range: priced LLM cost, evolution share of it, calls, distinct customers, business outcomes recorded and cost per outcome. ClickHouse pnl.llm_costs_daily and pnl.outcomes.',
        unit: 'short', w: 24, h: 9, sortBy: 'llm_cost_usd',
        columnUnits: { llm_cost_usd: 'currencyUSD', evolution_share: 'percentunit', cost_per_customer_usd: 'currencyUSD', cost_per_outcome_usd: 'currencyUSD' },
        targets: [chTable(`
          SELECT c.feature AS feature, toFloat64(c.cost) AS llm_cost_usd,
                 if(c.cost > 0, toFloat64(c.evolution) / toFloat64(c.cost), 0) AS evolution_share,
                 c.n_calls AS n_calls, c.n_customers AS n_customers,
                 toFloat64(c.cost) / greatest(c.n_customers, 1) AS cost_per_customer_usd,
                 o.n_outcomes AS n_outcomes,
                 if(o.n_outcomes > 0, toFloat64(c.cost) / o.n_outcomes, NULL) AS cost_per_outcome_usd
          FROM (
            SELECT feature_id AS feature, sum(cost_usd) AS cost, sumIf(cost_usd, attempt_reason != '') AS evolution,
                   sum(calls) AS n_calls, uniqExact(customer_id) AS n_customers
            FROM pnl.llm_costs_daily
            WHERE $__dateFilter(day) AND ${CHOSEN}
            GROUP BY feature
          ) AS c
          LEFT JOIN (
            SELECT feature_id AS feature, count() AS n_outcomes
            FROM pnl.outcomes
            WHERE $__timeFilter(at) AND ${CHOSEN}
            GROUP BY feature
          ) AS o ON c.feature = o.feature
          ORDER BY llm_cost_usd DESC`)],
      }),
      timeseries({
        title: 'LLM cost by feature per day',
        description: 'Priced cost per day and feature. ClickHouse pnl.llm_costs_daily.',
        unit: 'currencyUSD', w: 12, h: 9, stack: true, bars: true,
        targets: [chTimeSeries(`
          SELECT toDateTime(day) AS time, feature_id AS feature, toFloat64(sum(cost_usd)) AS llm_cost_usd
          FROM pnl.llm_costs_daily
          WHERE $__dateFilter(day) AND ${CHOSEN}
          GROUP BY day, feature_id
          ORDER BY time, feature`)],
      }),
      timeseries({
        title: 'Calls by feature',
        description: 'Model calls per interval and feature. ClickHouse pnl.llm_calls.',
        unit: 'short', w: 12, h: 9,
        targets: [chTimeSeries(`
          SELECT $__timeInterval(start_time) AS time, feature_id AS feature, count() AS n_calls
          FROM pnl.llm_calls
          WHERE $__timeFilter(start_time) AND ${CHOSEN}
          GROUP BY time, feature_id
          ORDER BY time, feature`)],
      }),
      bargauge({
        title: 'Cost per outcome by feature',
        description: 'Feature LLM cost in the range divided by the business outcomes recorded for it (features without outcomes are left out).',
        unit: 'currencyUSD', w: 12, h: 8,
        targets: [chTable(`
          SELECT c.feature AS feature, toFloat64(c.cost) / o.n_outcomes AS cost_per_outcome_usd
          FROM (
            SELECT feature_id AS feature, sum(cost_usd) AS cost FROM pnl.llm_costs_daily WHERE $__dateFilter(day) AND ${CHOSEN} GROUP BY feature
          ) AS c
          INNER JOIN (
            SELECT feature_id AS feature, count() AS n_outcomes FROM pnl.outcomes WHERE $__timeFilter(at) AND ${CHOSEN} GROUP BY feature
          ) AS o ON c.feature = o.feature
          ORDER BY cost_per_outcome_usd DESC`)],
      }),
      bargauge({
        title: 'Customers per feature',
        description: 'Distinct customers with LLM calls on each feature in the range. ClickHouse pnl.llm_costs_daily.',
        unit: 'short', w: 12, h: 8,
        targets: [chTable(`
          SELECT feature_id AS feature, uniqExact(customer_id) AS n_customers
          FROM pnl.llm_costs_daily
          WHERE $__dateFilter(day) AND ${CHOSEN}
          GROUP BY feature_id
          ORDER BY n_customers DESC`)],
      }),
    ],
  });
}
