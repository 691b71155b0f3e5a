-- Cost and business outcomes per customer x feature for the days [{from}, {to}) (seed 004 unit cost
-- over the plan target). Outcomes are counted (one `outcome {name}` span = one unit), not summed by
-- value: a value can be money. A customer x feature with cost and no outcome gets 0 units.
-- Aliases differ from column names: ClickHouse resolves a name to an alias first.
WITH
costs AS (
    SELECT customer_id, feature_id, sum(cost_usd) AS spent
    FROM pnl.llm_costs_daily
    WHERE day >= {from:Date} AND day < {to:Date}
    GROUP BY customer_id, feature_id
),
units AS (
    SELECT customer_id, feature_id, count() AS n_outcomes
    FROM pnl.outcomes
    WHERE at >= {from:Date} AND at < {to:Date}
    GROUP BY customer_id, feature_id
)
SELECT
    c.customer_id AS customer,
    c.feature_id AS feature,
    toString(c.spent) AS cost_usd_text,
    ifNull(u.n_outcomes, 0) AS n_units
FROM costs AS c
LEFT JOIN units AS u ON u.customer_id = c.customer_id AND u.feature_id = c.feature_id
ORDER BY customer, feature
SETTINGS join_use_nulls = 1
