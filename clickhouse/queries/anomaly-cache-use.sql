-- Cache use per customer x feature on {day} and the day before (seed 004 cache hit-rate drop,
-- day over day). All input = uncached + cache read + cache write, as customer-facts.sql counts it.
-- Aliases differ from column names: ClickHouse resolves a name to an alias first.
SELECT
    customer_id AS customer,
    feature_id AS feature,
    toString(day) AS day_text,
    sum(cache_read_tokens) AS n_cache_read,
    sum(input_tokens) + sum(cache_read_tokens) + sum(cache_write_tokens) AS n_input_total
FROM pnl.llm_costs_daily
WHERE day >= subtractDays({day:Date}, 1) AND day <= {day:Date}
GROUP BY customer_id, feature_id, day
ORDER BY customer, feature, day_text
