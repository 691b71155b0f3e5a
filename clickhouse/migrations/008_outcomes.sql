-- Business outcomes (ticket resolved, rewrite accepted...) recorded by the instrumentation as
-- `outcome {name}` spans, so cost per successful outcome can be computed.
CREATE TABLE IF NOT EXISTS pnl.outcomes
(
    at              DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    trace_id        FixedString(32) CODEC(ZSTD(1)),
    span_id         FixedString(16) CODEC(ZSTD(1)),
    run_id          String CODEC(ZSTD(1)),
    customer_id     String CODEC(ZSTD(1)),
    feature_id      LowCardinality(String),
    name            LowCardinality(String),
    value           Float64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (customer_id, toDate(at), name, at)
TTL toDateTime(at) + INTERVAL 2 YEAR DELETE
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;
