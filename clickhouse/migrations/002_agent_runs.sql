-- One row per agent run span (GenAI invoke_agent or equivalent): the unit that attempts belong to.
CREATE TABLE IF NOT EXISTS pnl.agent_runs
(
    start_time       DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    ingested_at      DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    trace_id         FixedString(32) CODEC(ZSTD(1)),
    span_id          FixedString(16) CODEC(ZSTD(1)),
    parent_span_id   String CODEC(ZSTD(1)),
    run_id           String CODEC(ZSTD(1)),
    customer_id      String CODEC(ZSTD(1)),
    customer_tier    LowCardinality(String),
    organization_id  String CODEC(ZSTD(1)),
    product_id       LowCardinality(String),
    feature_id       LowCardinality(String),
    environment      LowCardinality(String),
    task_type        LowCardinality(String),
    session_id       String CODEC(ZSTD(1)),
    user_id          String CODEC(ZSTD(1)),
    service_name     LowCardinality(String),
    agent_name       LowCardinality(String),
    outcome          LowCardinality(String) COMMENT 'success, failure, or empty when unknown',
    status           LowCardinality(String),
    outcome_name     LowCardinality(String) COMMENT 'business outcome, e.g. ticket.resolved',
    outcome_value    Float64,
    duration_us      UInt64 CODEC(T64, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(start_time)
ORDER BY (customer_id, toDate(start_time), agent_name, start_time)
TTL toDateTime(start_time) + INTERVAL 2 YEAR DELETE
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;
