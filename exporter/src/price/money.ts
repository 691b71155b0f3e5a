import type { PicoUsd } from '../model/priced-call.js';

/** Pico-dollars per US dollar. */
export const PICO_PER_USD = 1_000_000_000_000n;

const PICO_DIGITS = 12;

/**
 * Formats pico-dollars as an exact USD decimal with 12 fraction digits, e.g. `2_500_000n` → `0.000002500000`.
 * Negative amounts (credits, corrections) keep their sign: `-1n` → `-0.000000000001`.
 */
export function formatPicoUsd(p: PicoUsd): string {
  const negative = p < 0n;
  const abs = negative ? -p : p;
  const whole = abs / PICO_PER_USD;
  const fraction = (abs % PICO_PER_USD).toString().padStart(PICO_DIGITS, '0');
  return `${negative ? '-' : ''}${whole.toString()}.${fraction}`;
}

/**
 * Converts pico-dollars to a float number of USD, for metrics only (Prometheus values are floats).
 * Whole dollars and the fraction are converted separately so large totals keep their cents.
 */
export function picoToUsdNumber(p: PicoUsd): number {
  return Number(p / PICO_PER_USD) + Number(p % PICO_PER_USD) / 1e12;
}

/** A non-negative decimal written without exponent, e.g. `0.15`, `12`, `0.000001`. */
const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** True when `text` is a plain non-negative decimal (digits, optional fraction, no sign or exponent). */
export function isPlainDecimal(text: string): boolean {
  return PLAIN_DECIMAL.test(text);
}

/** Number of digits after the decimal point of a plain decimal. */
export function fractionDigits(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * Exact value of a plain decimal scaled by 10^scale, as a bigint, with half-even rounding of any digits
 * beyond `scale`. `exact` is false when rounding changed the value, so callers can record it.
 */
export function scaleDecimal(text: string, scale: number): { value: bigint; exact: boolean } {
  const m = PLAIN_DECIMAL.exec(text);
  if (m === null) throw new RangeError(`Not a plain decimal: ${JSON.stringify(text)}`);
  const whole = m[1] ?? '0';
  const fraction = m[2] ?? '';
  const kept = fraction.slice(0, scale).padEnd(scale, '0');
  const dropped = fraction.slice(scale);
  let value = BigInt(whole + kept);
  if (/[1-9]/.test(dropped)) {
    // Half-even on the dropped digits: compare them to exactly one half.
    const first = dropped.charCodeAt(0) - 48;
    const restNonZero = /[1-9]/.test(dropped.slice(1));
    if (first > 5 || (first === 5 && (restNonZero || value % 2n === 1n))) value += 1n;
    return { value, exact: false };
  }
  return { value, exact: true };
}

/** Inverse of {@link scaleDecimal}: renders `value / 10^scale` as the shortest plain decimal (`150000n, 6` → `0.15`). */
export function unscaleToDecimal(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/**
 * Shortest decimal string that round-trips to `n` (what `String(n)` gives), written without an exponent.
 * The catalog ships prices as JS numbers; this recovers the decimal its authors wrote (`2.5`, `0.075`).
 */
export function numberToPlainDecimal(n: number): string {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`Not a finite non-negative number: ${n}`);
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // Expand exponent notation (1e-7, 1.5e+21) digit by digit; never through float arithmetic.
  const mantissa = s.slice(0, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const pointAt = (dot < 0 ? mantissa.length : dot) + exponent;
  if (pointAt <= 0) return `0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return digits + '0'.repeat(pointAt - digits.length);
  return `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/** `numerator / denominator` rounded half-even; both non-negative, denominator positive. */
export function divRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  const q = numerator / denominator;
  const r = numerator % denominator;
  const twice = r * 2n;
  if (twice > denominator || (twice === denominator && q % 2n === 1n)) return q + 1n;
  return q;
}
