-- Priced calls in the days [{from}, {to}) that are "small" (all input <= {max_input} tokens and
-- output <= {max_output}), summed per customer x feature x provider x requested model: the groups a
-- cheaper model of the same provider could serve. Cost is the exact Decimal sum, as text.
-- Aliases differ from column names: ClickHouse resolves a name to an alias first.
SELECT
    customer_id AS customer,
    feature_id AS feature,
    provider AS provider_id,
    request_model AS model_name,
    count() AS n_calls,
    sum(input_tokens) AS n_input,
    sum(cache_read_tokens) AS n_cache_read,
    sum(cache_write_tokens) AS n_cache_write,
    sum(output_tokens) AS n_output,
    sum(reasoning_tokens) AS n_reasoning,
    toString(sum(assumeNotNull(cost_usd))) AS cost_usd_text,
    toUnixTimestamp64Micro(max(start_time)) AS last_start_us
FROM pnl.llm_calls
WHERE start_time >= {from:Date} AND start_time < {to:Date}
  AND priced
  AND input_tokens + cache_read_tokens + cache_write_tokens <= {max_input:UInt32}
  AND output_tokens <= {max_output:UInt32}
GROUP BY customer_id, feature_id, provider, request_model
ORDER BY customer, feature, provider_id, model_name
