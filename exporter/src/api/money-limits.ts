/**
 * Bounds of USD amounts the API stores in `Decimal(38, 12)` columns. A number past them failed
 * the ClickHouse insert ("Decimal value is too big", for 1e300), which the API answered with
 * 503 "retry later" instead of a 400 (found by fuzzing). 1e20 matches the 20 integer digits a
 * decimal string may have; below 1e-12 a positive limit would be stored as 0.
 */
export const MAX_USD = 1e20;
export const MIN_USD = 1e-12;
