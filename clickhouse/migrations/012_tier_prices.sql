-- Subscription tier -> monthly price (PNL_TIER_PRICES), written by every service start as one
-- generation (all rows with that start's written_at). The P&L engine uses the tier price as
-- revenue for the days no revenue row covers; SQL readers (the Grafana dashboards) read the
-- latest generation to do the same, so a dashboard shows the revenue the alerts and the API
-- use. A generation with no prices is one row with tier '' (so clearing PNL_TIER_PRICES clears
-- the prices). Tiny: a few rows per start.
CREATE TABLE IF NOT EXISTS pnl.tier_prices
(
    written_at   DateTime64(3, 'UTC'),
    tier         LowCardinality(String),
    monthly_usd  Float64
)
ENGINE = MergeTree
ORDER BY (written_at, tier);
