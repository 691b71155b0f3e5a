-- What the imported invoices bill per UTC day x provider x model over [from, to), summed over
-- sources (several accounts of one provider add up). FINAL keeps only the latest import of each
-- key and drops tombstones (pnl.invoice_costs is a ReplacingMergeTree with is_deleted).
-- Coverage markers (model '', cost 0: see invoice-store.ts) say a day is covered, not what it
-- billed; invoice-covered-days.sql reads them.
-- Aliases differ from column names: ClickHouse resolves a name to an alias first.
SELECT
    toString(day) AS inv_day,
    provider AS inv_provider,
    model AS inv_model,
    toString(sum(cost_usd)) AS inv_cost_usd,
    sum(line_items) AS inv_line_items
FROM pnl.invoice_costs FINAL
WHERE day >= {from:Date} AND day < {to:Date} AND is_deleted = 0 AND model != ''
GROUP BY day, provider, model
ORDER BY day, provider, model
