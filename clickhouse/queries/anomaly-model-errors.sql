-- Calls and error calls per requested model in the window [{from_us}, {to_us}) (microseconds since
-- the epoch; seed 004 error rate over 15 minutes). Read from the raw calls, not the daily
-- aggregates, because the window is shorter than a day.
-- Aliases differ from column names: ClickHouse resolves a name to an alias first.
SELECT request_model AS model_name, count() AS n_calls, countIf(status = 'error') AS n_errors
FROM pnl.llm_calls
WHERE start_time >= fromUnixTimestamp64Micro({from_us:Int64}, 'UTC')
  AND start_time < fromUnixTimestamp64Micro({to_us:Int64}, 'UTC')
GROUP BY request_model
ORDER BY model_name
