/**
 * SQL shared by several panels. Only the macros the ClickHouse plugin expands on the backend are
 * used ($__timeFilter, $__dateFilter, $__timeInterval, $__fromTime, $__toTime, $__interval_s),
 * and aliases never repeat a column name: ClickHouse resolves a name to an alias first.
 */

/** The dashboard's customer, quoted as a SQL string literal by Grafana. */
export const CUSTOMER = '${customer:singlequote}';

/**
 * Revenue spread evenly over the days of its period (period_end exclusive), one row per
 * customer and day inside the dashboard range: `customer_id, rev_day, rev_usd`. The latest
 * version of each (customer, period, source) wins, as in clickhouse/queries/revenue-rows.sql;
 * sources add up.
 */
export function revenueDays(customerFilter = '1 = 1'): string {
  return `SELECT customer_id, rev_day, sum(amount_per_day) AS rev_usd
    FROM (
      SELECT customer_id,
             arrayJoin(arrayMap(i -> addDays(start_day, i), range(toUInt32(dateDiff('day', start_day, end_day))))) AS rev_day,
             amount / dateDiff('day', start_day, end_day) AS amount_per_day
      FROM (
        SELECT customer_id, period_start AS start_day, period_end AS end_day, source, argMax(amount_usd, recorded_at) AS amount
        FROM pnl.revenue
        WHERE period_end > period_start AND ${customerFilter}
        GROUP BY customer_id, period_start, period_end, source
      )
    )
    WHERE $__dateFilter(rev_day)
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
