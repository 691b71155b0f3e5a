-- LLM cost per customer and day for the days [from, to). Empty {customer} = all customers.
SELECT customer_id, toString(d) AS day, toString(cost) AS cost_usd
FROM (
    SELECT customer_id, day AS d, sum(cost_usd) AS cost
    FROM pnl.llm_costs_daily
    WHERE day >= {from:Date} AND day < {to:Date} AND ({customer:String} = '' OR customer_id = {customer:String})
    GROUP BY customer_id, day
)
ORDER BY customer_id, d
