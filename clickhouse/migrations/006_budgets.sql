-- One LLM budget per customer: a monthly limit (calendar month, UTC) or a custom period.
-- The latest updated_at wins. Thresholds are ratios of the limit.
CREATE TABLE IF NOT EXISTS pnl.budgets
(
    customer_id   String,
    period        LowCardinality(String) COMMENT 'month or custom',
    period_start  Nullable(Date) COMMENT 'custom periods only',
    period_end    Nullable(Date) COMMENT 'custom periods only, exclusive',
    limit_usd     Decimal(38, 12),
    warn_ratio    Float64 DEFAULT 0.7,
    alert_ratio   Float64 DEFAULT 0.9,
    updated_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY customer_id;
