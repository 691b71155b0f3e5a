/**
 * Rounds to `decimals` places (half away from zero for positive values, as `Math.round` does on the scaled value).
 * Used for presentation-level numbers that also drive a decision (the risk score), so that the decision agrees
 * with the number a person reads.
 */
export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/**
 * Removes binary floating-point dust from a difference of ratios before it is compared with a threshold:
 * `0.26 - 0.25` is `0.010000000000000009` in doubles, which would make "more than 1 point" true for a change of
 * exactly 1 point. Nine decimals keep every meaningful digit of a ratio or a percentage.
 */
export function withoutFloatDust(value: number): number {
  return roundTo(value, 9);
}
