-- Facts per customer for the days [from, to): cost split into base (first attempts) and
-- evolution (by reason), calls, errors, cache use, runs and outcomes. Empty {customer} = all.
-- Revenue is read separately (revenue-rows.sql) and prorated in code.
WITH
costs AS (
    SELECT
        customer_id,
        sumIf(cost_usd, attempt_reason = '')             AS base_cost_usd,
        sumIf(cost_usd, attempt_reason != '')            AS evolution_cost_usd,
        sumIf(cost_usd, attempt_reason = 'retry')        AS evolution_retry_usd,
        sumIf(cost_usd, attempt_reason = 'escalation')   AS evolution_escalation_usd,
        sumIf(cost_usd, attempt_reason = 'reexecution')  AS evolution_reexecution_usd,
        sumIf(cost_usd, attempt_reason = 'fallback')     AS evolution_fallback_usd,
        -- Aliases differ from the column names: ClickHouse resolves a name to an alias first.
        sum(calls)                                       AS n_calls,
        sum(error_calls)                                 AS n_error_calls,
        sum(unpriced_calls)                              AS n_unpriced_calls,
        sumIf(calls, attempt_reason = 'retry')           AS n_retry_calls,
        sumIf(calls, attempt_reason = 'escalation')      AS n_escalation_calls,
        sumIf(calls, attempt_reason IN ('reexecution', 'fallback')) AS n_other_retry_calls,
        sum(cache_read_tokens)                           AS n_cache_read_tokens,
        sum(input_tokens) + sum(cache_read_tokens) + sum(cache_write_tokens) AS n_input_tokens_total
    FROM pnl.llm_costs_daily
    WHERE day >= {from:Date} AND day < {to:Date} AND ({customer:String} = '' OR customer_id = {customer:String})
    GROUP BY customer_id
),
runs AS (
    SELECT
        customer_id,
        count()                                             AS runs,
        countIf(outcome = 'failure' OR status = 'error')    AS failed_runs
    FROM pnl.agent_runs
    WHERE start_time >= {from:Date} AND start_time < {to:Date} AND ({customer:String} = '' OR customer_id = {customer:String})
    GROUP BY customer_id
),
outcomes AS (
    SELECT customer_id, count() AS successful_outcomes, sum(value) AS outcome_value
    FROM pnl.outcomes
    WHERE at >= {from:Date} AND at < {to:Date} AND ({customer:String} = '' OR customer_id = {customer:String})
    GROUP BY customer_id
),
tiers AS (
    -- From the daily aggregates, not llm_calls: reading tiers from 10M raw rows took ~350 ms.
    SELECT customer_id, argMax(customer_tier, day) AS tier
    FROM pnl.llm_costs_daily
    WHERE day >= {from:Date} AND day < {to:Date} AND customer_tier != ''
      AND ({customer:String} = '' OR customer_id = {customer:String})
    GROUP BY customer_id
)
SELECT
    c.customer_id AS customer_id,
    ifNull(t.tier, '') AS tier,
    toString(c.base_cost_usd) AS base_cost_usd,
    toString(c.evolution_cost_usd) AS evolution_cost_usd,
    toString(c.evolution_retry_usd) AS evolution_retry_usd,
    toString(c.evolution_escalation_usd) AS evolution_escalation_usd,
    toString(c.evolution_reexecution_usd) AS evolution_reexecution_usd,
    toString(c.evolution_fallback_usd) AS evolution_fallback_usd,
    c.n_calls AS calls, c.n_error_calls AS error_calls, c.n_unpriced_calls AS unpriced_calls,
    c.n_retry_calls AS retry_calls, c.n_escalation_calls AS escalation_calls, c.n_other_retry_calls AS other_retry_calls,
    c.n_cache_read_tokens AS cache_read_tokens, c.n_input_tokens_total AS input_tokens_total,
    ifNull(r.runs, 0) AS runs, ifNull(r.failed_runs, 0) AS failed_runs,
    ifNull(o.successful_outcomes, 0) AS successful_outcomes, ifNull(o.outcome_value, 0) AS outcome_value
FROM costs AS c
LEFT JOIN runs AS r ON r.customer_id = c.customer_id
LEFT JOIN outcomes AS o ON o.customer_id = c.customer_id
LEFT JOIN tiers AS t ON t.customer_id = c.customer_id
ORDER BY c.customer_id
SETTINGS join_use_nulls = 1
