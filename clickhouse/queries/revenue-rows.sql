-- Revenue rows overlapping the days [from, to), latest version of each (customer, period, source).
SELECT customer_id, toString(period_start) AS period_start, toString(period_end) AS period_end, source,
       toString(argMax(amount_usd, recorded_at)) AS amount_usd
FROM pnl.revenue
WHERE period_start < {to:Date} AND period_end > {from:Date}
  AND ({customer:String} = '' OR customer_id = {customer:String})
GROUP BY customer_id, period_start, period_end, source
ORDER BY customer_id, period_start
