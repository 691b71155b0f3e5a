-- Revenue rows overlapping the days [from, to), latest version of each (customer, period, source).
SELECT customer_id, toString(start_day) AS period_start, toString(end_day) AS period_end, source, toString(amount) AS amount_usd
FROM (
    SELECT customer_id, period_start AS start_day, period_end AS end_day, source, argMax(amount_usd, recorded_at) AS amount
    FROM pnl.revenue
    WHERE period_start < {to:Date} AND period_end > {from:Date}
      AND ({customer:String} = '' OR customer_id = {customer:String})
    GROUP BY customer_id, period_start, period_end, source
)
ORDER BY customer_id, start_day
