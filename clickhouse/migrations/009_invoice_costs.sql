-- Provider invoice totals (cost exports of OpenAI, Anthropic, or any CSV) per source x provider x day x
-- model, imported with POST /api/v1/invoices or `agentic-pnl invoices import`, and compared with our
-- rated costs (docs/reconciliation.md). Many CSV lines (line items, projects, workspaces) are summed
-- into one row by the importer, exactly, in pico-dollars, like llm_calls.cost_usd.
--
-- Re-importing must replace, never double: ReplacingMergeTree(imported_at, is_deleted) keeps the
-- latest import of each (source, provider, day, model), so the same file sent twice, or a corrected
-- one, leaves one row per key. An import speaks for whole days of its source: a model that an older
-- import of the same source listed on a day the new file covers, but the new file no longer lists,
-- is written as a tombstone (is_deleted = 1). Read with FINAL, which drops replaced rows and
-- tombstones. Two accounts of one provider (two OpenAI organizations) are imported under two
-- source labels and add up.
CREATE TABLE IF NOT EXISTS pnl.invoice_costs
(
    source       LowCardinality(String) COMMENT 'invoice source: the format name (openai, anthropic, generic) or a label given at import',
    provider     LowCardinality(String) COMMENT 'canonical provider id, as llm_calls.provider',
    day          Date COMMENT 'UTC day the provider billed the cost on',
    model        LowCardinality(String) COMMENT 'model as the invoice names it (matched to ours at read time, see docs/reconciliation.md)',
    cost_usd     Decimal(38, 12) COMMENT 'sum of the invoice lines, exact; negative for credits',
    line_items   UInt32 COMMENT 'CSV lines summed into this row',
    file         String COMMENT 'name of the imported file, for tracing a figure back to it',
    imported_at  DateTime64(3, 'UTC') DEFAULT now64(3),
    is_deleted   UInt8 DEFAULT 0 COMMENT '1 = tombstone: a newer import of the source no longer lists this key'
)
ENGINE = ReplacingMergeTree(imported_at, is_deleted)
ORDER BY (source, provider, day, model)
TTL day + INTERVAL 2 YEAR DELETE;
