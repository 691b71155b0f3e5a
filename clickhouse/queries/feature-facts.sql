-- Per feature for the days [from, to): LLM cost, calls, customers, and business outcomes, for
-- the portfolio's "features by cost per outcome" view.
WITH
costs AS (
    SELECT feature_id AS f, sum(cost_usd) AS cost, sum(calls) AS n_calls, uniqExact(customer_id) AS n_customers
    FROM pnl.llm_costs_daily
    WHERE day >= {from:Date} AND day < {to:Date}
    GROUP BY feature_id
),
outs AS (
    SELECT feature_id AS f, count() AS n_outcomes, sum(value) AS outcome_value
    FROM pnl.outcomes
    WHERE at >= {from:Date} AND at < {to:Date}
    GROUP BY feature_id
)
SELECT costs.f AS feature, toString(costs.cost) AS cost_usd, costs.n_calls AS calls, costs.n_customers AS customers,
       ifNull(outs.n_outcomes, 0) AS outcomes, ifNull(outs.outcome_value, 0) AS outcome_value
FROM costs LEFT JOIN outs ON outs.f = costs.f
ORDER BY costs.cost DESC
SETTINGS join_use_nulls = 1
