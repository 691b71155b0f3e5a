-- Daily aggregates per customer x feature x model x attempt reason. The exporter writes them
-- with each batch of calls (pre-aggregated in the batch, exact pico-dollar sums) under the same
-- dedup token scheme, rather than through a materialized view: the view's GROUP BY and second
-- part write doubled the engine's CPU per ingested row (see docs/performance.md). Rows of the
-- same key merge by summing. Base cost = attempt_reason '', evolution = the rest.
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
    duration_us         UInt64,
    customer_tier       LowCardinality(String) COMMENT 'not summed: the tier seen in the latest batch; lets the P&L read tiers without scanning llm_calls'
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (customer_id, day, feature_id, provider, model, attempt_reason)
TTL day + INTERVAL 13 MONTH DELETE
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;
