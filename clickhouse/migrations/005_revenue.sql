-- Revenue per customer and period, from the API (PUT /api/v1/revenue) or a CSV import.
-- period_end is exclusive. Re-sending the same (customer, period, source) replaces the amount:
-- the row with the latest recorded_at wins (read with FINAL or argMax).
CREATE TABLE IF NOT EXISTS pnl.revenue
(
    customer_id   String,
    period_start  Date,
    period_end    Date COMMENT 'exclusive',
    source        LowCardinality(String) COMMENT 'api, csv, stripe, ... (free text)',
    amount_usd    Decimal(38, 12),
    recorded_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(recorded_at)
ORDER BY (customer_id, period_start, period_end, source);
