import { describe, expect, it } from 'vitest';
import { formatPicoUsd, picoToUsdNumber } from '../../exporter/src/price/index.js';
import { divRoundHalfEven, numberToPlainDecimal, scaleDecimal, unscaleToDecimal } from '../../exporter/src/price/money.js';

describe('money', () => {
  it.each([
    [0n, '0.000000000000'],
    [2_500_000n, '0.000002500000'],
    [1n, '0.000000000001'],
    [-1n, '-0.000000000001'],
    [-2_500_000_000_000n, '-2.500000000000'],
    [123_456_789_012_345_678n, '123456.789012345678'],
  ])('formats %s pico-dollars as %s', (p, text) => {
    expect(formatPicoUsd(p)).toBe(text);
  });

  it('converts to a float number of dollars for metrics, keeping cents on large totals', () => {
    expect(picoToUsdNumber(2_500_000n)).toBe(0.0000025);
    expect(picoToUsdNumber(-1_500_000_000_000n)).toBe(-1.5);
    expect(picoToUsdNumber(12_345_678_901_230_000_000_000n)).toBe(12_345_678_901.23);
  });

  it.each([
    [2.5, '2.5'],
    [0.075, '0.075'],
    [1e-7, '0.0000001'],
    [1.5e-7, '0.00000015'],
    [1e21, '1000000000000000000000'],
    [0.18000000000000002, '0.18000000000000002'],
  ])('writes the number %s as the plain decimal %s', (n, text) => {
    expect(numberToPlainDecimal(n)).toBe(text);
  });

  it.each([
    ['2.5', 6, 2_500_000n, true],
    ['0.0000005', 6, 0n, false], // exactly half, 0 is even
    ['0.0000015', 6, 2n, false], // exactly half, 1 is odd
    ['0.00000050001', 6, 1n, false],
    ['0.08333333333333334', 6, 83_333n, false],
    ['0.18000000000000002', 6, 180_000n, false],
  ])('scales %s by 10^%s to %s (exact: %s), rounding half to even', (text, scale, value, exact) => {
    expect(scaleDecimal(text, scale)).toEqual({ value, exact });
  });

  it('renders scaled integers back as the shortest decimal', () => {
    expect(unscaleToDecimal(150_000n, 6)).toBe('0.15');
    expect(unscaleToDecimal(12_000_000_000n, 12)).toBe('0.012');
    expect(unscaleToDecimal(3_000_000n, 6)).toBe('3');
  });

  it('divides rounding half to even', () => {
    expect([divRoundHalfEven(5n, 2n), divRoundHalfEven(7n, 2n), divRoundHalfEven(7n, 3n), divRoundHalfEven(8n, 3n)]).toEqual([2n, 4n, 2n, 3n]);
  });
});
