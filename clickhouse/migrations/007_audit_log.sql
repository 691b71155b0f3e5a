-- Every admin write (revenue, budgets, prices): who, what, when. Never holds secrets.
CREATE TABLE IF NOT EXISTS pnl.audit_log
(
    at        DateTime64(3, 'UTC') DEFAULT now64(3),
    actor     String,
    action    LowCardinality(String),
    target    String,
    details   String CODEC(ZSTD(1))
)
ENGINE = MergeTree
ORDER BY at
TTL toDateTime(at) + INTERVAL 2 YEAR DELETE;
