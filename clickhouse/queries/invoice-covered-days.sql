-- The provider-days over [from, to) that some imported invoice (any source) covers: an import
-- writes a zero marker row (model '') for each provider and day it has a line for, an empty
-- OpenAI bucket included, so a day billed at nothing still counts as covered. Any live row counts,
-- so invoices imported before markers existed cover the days they bill.
SELECT DISTINCT
    toString(day) AS cov_day,
    provider AS cov_provider
FROM pnl.invoice_costs FINAL
WHERE day >= {from:Date} AND day < {to:Date} AND is_deleted = 0
ORDER BY cov_day, cov_provider
