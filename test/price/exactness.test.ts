import { describe, expect, it } from 'vitest';
import { createPriceBook, formatPicoUsd } from '../../exporter/src/price/index.js';
import { llmCall, pico } from './llm-call-fixture.js';

describe('exactness', () => {
  it('sums a million calls to exactly a million times one call, and to the decimal price', () => {
    const book = createPriceBook();
    // Claude Sonnet 4 (genai-prices 0.1.8): $3 in, $0.30 cache read, $3.75 cache write, $15 out per million.
    const call = llmCall('anthropic', 'claude-sonnet-4-0', { inputUncached: 1_337, cacheRead: 9_001, cacheWrite: 77, output: 421 });
    const one = pico(1_337, '3') + pico(9_001, '0.30') + pico(77, '3.75') + pico(421, '15');
    let sum = 0n;
    let floatSum = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const total = book.rate(call).cost?.total ?? 0n;
      sum += total;
      floatSum += Number(total) / 1e12;
    }
    expect(sum).toBe(one * 1_000_000n);
    // Per million calls: 1_337×3 + 9_001×0.30 + 77×3.75 + 421×15 = 13_315.05 USD.
    expect(formatPicoUsd(sum)).toBe('13315.050000000000');
    // The float running total the design forbids drifts away from it.
    expect(floatSum).not.toBe(13_315.05);
  });

  it('keeps sub-cent prices exact per token (0.0028 $/Mtok is 2_800 pico-dollars per token)', () => {
    const book = createPriceBook();
    const priced = book.rate(llmCall('deepseek', 'deepseek-v4-flash', { cacheRead: 3 }, { at: '2026-05-01T12:00:00Z' }));
    expect(priced.cost?.cacheRead).toBe(8_400n);
  });
});
