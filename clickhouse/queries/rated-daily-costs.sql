-- Our rated LLM cost per UTC day x provider x model over [from, to), for invoice reconciliation.
-- From the daily aggregates (a SummingMergeTree: always read with sum()). `model` there is the
-- request model; docs/reconciliation.md explains how it is matched to the invoice's names.
-- Unpriced calls have no cost here and are counted so a shortfall can be explained.
SELECT
    toString(day) AS rated_day,
    provider AS rated_provider,
    model AS rated_model,
    toString(sum(cost_usd)) AS rated_cost_usd,
    sum(calls) AS rated_calls,
    sum(unpriced_calls) AS rated_unpriced_calls
FROM pnl.llm_costs_daily
WHERE day >= {from:Date} AND day < {to:Date}
GROUP BY day, provider, model
ORDER BY day, provider, model
