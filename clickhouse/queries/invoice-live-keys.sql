-- The keys one invoice source holds now on the given days: an import of that source writes a
-- tombstone for each key it no longer lists, so a corrected file replaces whole days.
SELECT
    provider AS live_provider,
    toString(day) AS live_day,
    model AS live_model
FROM pnl.invoice_costs FINAL
WHERE source = {source:String} AND has({days:Array(Date)}, day) AND is_deleted = 0
