-- Daily aggregates per customer x feature x model x attempt reason, kept up to date by a
-- materialized view. Sums of Decimal are exact. Base cost = attempt_reason '', evolution = the rest.
CREATE TABLE IF NOT EXISTS pnl.llm_costs_daily
(
    day                 Date,
    customer_id         String,
    feature_id          LowCardinality(String),
    provider            LowCardinality(String),
    model               LowCardinality(String),
    attempt_reason      LowCardinality(String),
    calls               UInt64,
    error_calls         UInt64,
    unpriced_calls      UInt64,
    input_tokens        UInt64,
    cache_read_tokens   UInt64,
    cache_write_tokens  UInt64,
    output_tokens       UInt64,
    reasoning_tokens    UInt64,
    cost_usd            Decimal(38, 12),
    duration_us         UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (customer_id, day, feature_id, provider, model, attempt_reason)
TTL day + INTERVAL 13 MONTH DELETE
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS pnl.llm_costs_daily_mv TO pnl.llm_costs_daily AS
SELECT
    toDate(start_time)              AS day,
    customer_id,
    feature_id,
    provider,
    request_model                   AS model,
    attempt_reason,
    count()                         AS calls,
    countIf(status = 'error')       AS error_calls,
    countIf(NOT priced)             AS unpriced_calls,
    sum(input_tokens)               AS input_tokens,
    sum(cache_read_tokens)          AS cache_read_tokens,
    sum(cache_write_tokens)         AS cache_write_tokens,
    sum(output_tokens)              AS output_tokens,
    sum(reasoning_tokens)           AS reasoning_tokens,
    sum(ifNull(cost_usd, toDecimal128(0, 12))) AS cost_usd,
    sum(duration_us)                AS duration_us
FROM pnl.llm_calls
GROUP BY day, customer_id, feature_id, provider, model, attempt_reason;
