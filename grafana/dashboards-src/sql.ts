/**
 * SQL shared by several panels. Only the macros the ClickHouse plugin expands on the backend are
 * used ($__timeFilter, $__dateFilter, $__timeInterval, $__fromTime, $__toTime, $__interval_s),
 * and aliases never repeat a column name: ClickHouse resolves a name to an alias first.
 */

/** The dashboard's customer, quoted as a SQL string literal by Grafana. */
export const CUSTOMER = '${customer:singlequote}';

/**
 * Revenue per customer and day inside the dashboard range: `customer_id, rev_day, rev_usd`, as
 * the P&L engine counts it (exporter/src/pnl/math/revenue-for-range.ts), so the dashboards
 * show the revenue the alerts and the API use:
 * - each revenue row spread evenly over the days of its period (period_end exclusive); the
 *   latest version of each (customer, period, source) wins, as in
 *   clickhouse/queries/revenue-rows.sql; sources add up;
 * - for a customer with LLM cost in the range, every day of the range that no row covers is
 *   worth its tier's monthly price (PNL_TIER_PRICES, from the service's latest start in
 *   pnl.tier_prices) / the days of that month. The tier is the latest the customer's calls
 *   carried in the range, as in clickhouse/queries/customer-facts.sql.
 */
export function revenueDays(customerFilter = '1 = 1'): string {
  const rowDays = `SELECT customer_id,
             arrayJoin(arrayMap(i -> addDays(start_day, i), range(toUInt32(dateDiff('day', start_day, end_day))))) AS rev_day,
             amount / dateDiff('day', start_day, end_day) AS amount_per_day
      FROM (
        SELECT customer_id, period_start AS start_day, period_end AS end_day, source, argMax(amount_usd, recorded_at) AS amount
        FROM pnl.revenue
        WHERE period_end > period_start AND ${customerFilter}
        GROUP BY customer_id, period_start, period_end, source
      )`;
  return `SELECT customer_id, rev_day, sum(amount_per_day) AS rev_usd
    FROM (
      SELECT customer_id, rev_day, toFloat64(amount_per_day) AS amount_per_day FROM (${rowDays}) WHERE $__dateFilter(rev_day)
      UNION ALL
      SELECT t.customer_id AS customer_id, d.rev_day AS rev_day, p.monthly_usd / toDayOfMonth(toLastDayOfMonth(d.rev_day)) AS amount_per_day
      FROM (
        SELECT customer_id, argMax(customer_tier, day) AS tier
        FROM pnl.llm_costs_daily
        WHERE $__dateFilter(day) AND customer_tier != '' AND ${customerFilter}
        GROUP BY customer_id
      ) AS t
      CROSS JOIN (
        SELECT arrayJoin(arrayMap(i -> addDays(toDate($__fromTime), i), range(toUInt32(dateDiff('day', toDate($__fromTime), toDate($__toTime)) + 1)))) AS rev_day
      ) AS d
      INNER JOIN (
        SELECT tier, monthly_usd FROM pnl.tier_prices
        WHERE written_at = (SELECT max(written_at) FROM pnl.tier_prices) AND tier != ''
      ) AS p ON p.tier = t.tier
      WHERE $__dateFilter(d.rev_day) AND (t.customer_id, d.rev_day) NOT IN (SELECT customer_id, rev_day FROM (${rowDays}))
    )
    GROUP BY customer_id, rev_day`;
}

/**
 * One row per customer with cost in the range: revenue, cost, evolution cost, P&L and gross
 * margin (NULL without revenue). `tail` adds the filter, order and limit.
 */
export function customerPnl(tail: string): string {
  return `SELECT customer_id,
           toFloat64(revenue) AS revenue_usd,
           toFloat64(cost) AS llm_cost_usd,
           toFloat64(evolution) AS evolution_cost_usd,
           toFloat64(revenue - cost) AS pnl_usd,
           if(revenue > 0, toFloat64(revenue - cost) / toFloat64(revenue), NULL) AS gross_margin
    FROM (
      SELECT customer_id, sum(cost_usd) AS cost, sumIf(cost_usd, attempt_reason != '') AS evolution
      FROM pnl.llm_costs_daily
      WHERE $__dateFilter(day)
      GROUP BY customer_id
    ) AS c
    LEFT JOIN (
      SELECT customer_id, sum(rev_usd) AS revenue
      FROM (${revenueDays()})
      GROUP BY customer_id
    ) AS r USING (customer_id)
    ${tail}`;
}
