-- The keys one invoice source holds now on the given provider-days: an import of that source
-- writes a tombstone for each key it no longer lists, so a corrected file replaces what the source
-- said about each provider and day it covers, and nothing else (a generic file of one provider
-- leaves another provider's rows of the same source and day alone).
SELECT
    provider AS live_provider,
    toString(day) AS live_day,
    model AS live_model
FROM pnl.invoice_costs FINAL
WHERE source = {source:String} AND has({covered:Array(Tuple(String, Date))}, (provider, day)) AND is_deleted = 0
