-- Every price entry that has priced a row: catalog entries (from @pydantic/genai-prices) and
-- organization overrides. llm_calls.price_id joins to entry_id. A new version of an entry
-- (catalog upgrade, edited override) is a new row; the latest loaded_at wins.
CREATE TABLE IF NOT EXISTS pnl.price_book
(
    entry_id         String,
    source           LowCardinality(String) COMMENT 'catalog or override',
    provider         LowCardinality(String),
    model            String,
    effective_from   Nullable(DateTime64(3, 'UTC')),
    effective_to     Nullable(DateTime64(3, 'UTC')),
    prices           Map(LowCardinality(String), String) COMMENT 'price key (input_mtok, output_mtok, ...) -> exact decimal USD',
    catalog_version  LowCardinality(String),
    loaded_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY entry_id;
