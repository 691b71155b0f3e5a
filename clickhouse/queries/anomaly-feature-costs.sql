-- Cost per customer x feature and UTC day for the rolling window [{from}, {day}] (seed 004 cost
-- spike: {day} against the 7 days before it). Every key that also has rows before {from} gets one
-- extra zero-cost row on the day before {from}: costSpikes judges a key only once it has a full
-- window of history, and that row tells it so without returning every older day.
-- Aliases differ from column names: ClickHouse resolves a name to an alias first.
SELECT customer_id AS customer, feature_id AS feature, toString(cost_day) AS day_text, toString(spent) AS cost_usd_text
FROM (
    SELECT
        customer_id,
        feature_id,
        if(day < {from:Date}, subtractDays({from:Date}, 1), day) AS cost_day,
        sumIf(cost_usd, day >= {from:Date}) AS spent
    FROM pnl.llm_costs_daily
    WHERE day <= {day:Date}
    GROUP BY customer_id, feature_id, cost_day
)
ORDER BY customer, feature, day_text
