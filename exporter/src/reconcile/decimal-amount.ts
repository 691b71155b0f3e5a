import { divRoundHalfEven } from '../price/money.js';

/**
 * Invoice amounts are summed in units of 1e-24 USD and rounded to pico-dollars once per
 * (day, provider, model) total. Exports carry more digits than a pico-dollar (OpenAI writes
 * `0.003835980000000000000000000000`), so rounding every line first would let thousands of
 * half-pico errors add up; 24 digits hold every real export exactly.
 */
export const FINE_SCALE = 24;
const FINE_PER_PICO = 10n ** BigInt(FINE_SCALE - 12);

/*
 * A decimal as exports write it: optional sign, optional `$`, digits with an optional fraction,
 * optional exponent (a spreadsheet or a float printer may write 1.5e-05). No thousands
 * separators: in a CSV a comma is a column break, and "1,234" is ambiguous across locales.
 */
const DECIMAL = /^([+-])?\$?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/;

/**
 * Parses a decimal USD amount exactly into 1e-24 USD units, or returns undefined when the
 * text is not a number. Digits beyond 24 decimals are rounded half-even.
 */
export function parseFineUsd(text: string): bigint | undefined {
  const m = DECIMAL.exec(text.trim());
  if (m === null) return undefined;
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  // value = digits x 10^(exponent - fraction.length); scale it to 10^-FINE_SCALE.
  const digits = BigInt(`${whole}${fraction}` || '0');
  const shift = exponent - fraction.length + FINE_SCALE;
  let value: bigint;
  if (shift >= 0) value = digits * 10n ** BigInt(shift);
  else value = divRoundHalfEven(digits, 10n ** BigInt(-shift));
  return m[1] === '-' ? -value : value;
}

/** 1e-24 USD units rounded half-even to pico-dollars (signed: a credit rounds like a charge). */
export function fineToPico(fine: bigint): bigint {
  return fine < 0n ? -divRoundHalfEven(-fine, FINE_PER_PICO) : divRoundHalfEven(fine, FINE_PER_PICO);
}

/** Pico-dollars parsed from exact decimal text such as ClickHouse returns for Decimal(38, 12). */
export function decimalToPico(text: string): bigint {
  const fine = parseFineUsd(text);
  if (fine === undefined) throw new RangeError(`not a decimal amount: ${JSON.stringify(text)}`);
  return fineToPico(fine);
}

