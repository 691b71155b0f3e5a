import { describe, expect, it } from 'vitest';
import { createPriceBook, loadPriceBook } from '../../exporter/src/price/index.js';
import { llmCall } from './llm-call-fixture.js';

/*
 * A self-hosted long-context model priced by contract:
 *   base:             input $1.00, cache read $0.10, output $4.00 per million, plus $0.0001 per call
 *                     = 1_000_000, 100_000 and 4_000_000 pico per token, 100_000_000 pico per call
 *   above 200_000:    input $2.00, cache read $0.20, output $6.00 per million
 *                     = 2_000_000, 200_000 and 6_000_000 pico per token (the per-call fee stays)
 * No cache-write price: cache writes bill at the input rate of the tier in effect.
 */
const book = createPriceBook([
  {
    id: 'long-ctx',
    provider: 'my-vllm',
    model: 'qwen-long',
    input_mtok: '1.00',
    cache_read_mtok: '0.10',
    output_mtok: '4.00',
    per_call: '0.0001',
    long_context: { above_input_tokens: 200000, input_mtok: '2.00', cache_read_mtok: '0.20', output_mtok: '6.00' },
  },
]);

const rate = (usage: { inputUncached: number; cacheRead?: number; cacheWrite?: number; output: number }) =>
  book.rate(llmCall('my-vllm', 'qwen-long', usage));

describe('long-context tiers in overrides', () => {
  it('keeps the base rates at exactly the threshold (it must be exceeded)', () => {
    // Total input 150_000 + 50_000 = 200_000, not above 200_000:
    //   150_000 × 1_000_000 + 50_000 × 100_000 + 1_000 × 4_000_000 + 100_000_000
    // = 150_000_000_000 + 5_000_000_000 + 4_000_000_000 + 100_000_000 = 159_100_000_000 pico ($0.1591)
    expect(rate({ inputUncached: 150_000, cacheRead: 50_000, output: 1_000 }).cost).toEqual({
      input: 150_000_000_000n, cacheRead: 5_000_000_000n, cacheWrite: 0n, output: 4_000_000_000n, request: 100_000_000n, total: 159_100_000_000n,
    });
  });

  it('bills the whole call at the tier rates one token above it', () => {
    // Total input 150_001 + 50_000 = 200_001 > 200_000, so every token is at the tier rates:
    //   150_001 × 2_000_000 + 50_000 × 200_000 + 1_000 × 6_000_000 + 100_000_000
    // = 300_002_000_000 + 10_000_000_000 + 6_000_000_000 + 100_000_000 = 316_102_000_000 pico
    expect(rate({ inputUncached: 150_001, cacheRead: 50_000, output: 1_000 }).cost).toEqual({
      input: 300_002_000_000n, cacheRead: 10_000_000_000n, cacheWrite: 0n, output: 6_000_000_000n, request: 100_000_000n, total: 316_102_000_000n,
    });
  });

  it('counts cache reads and writes towards the threshold, and bills writes at the tier input rate', () => {
    // Uncached 100_000 alone is under the threshold; with 50_000 read and 60_000 written the input is 210_000:
    //   100_000 × 2_000_000 + 50_000 × 200_000 + 60_000 × 2_000_000 + 1_000 × 6_000_000 + 100_000_000
    // = 200_000_000_000 + 10_000_000_000 + 120_000_000_000 + 6_000_000_000 + 100_000_000 = 336_100_000_000 pico
    expect(rate({ inputUncached: 100_000, cacheRead: 50_000, cacheWrite: 60_000, output: 1_000 }).cost?.total).toBe(336_100_000_000n);
  });

  it('keeps the base rate for a price the tier does not set', () => {
    const partial = createPriceBook([
      { id: 'p', provider: 'my-vllm', model: 'm', input_mtok: '1', cache_read_mtok: '0.5', output_mtok: '2', long_context: { above_input_tokens: 1000, input_mtok: '3' } },
    ]);
    // Input 1_001 + 100 = 1_101 > 1_000: input at the tier's 3_000_000; cache read (0.5 → 500_000) and output
    // (2 → 2_000_000) at the base rates:
    //   1_001 × 3_000_000 + 100 × 500_000 + 10 × 2_000_000 = 3_003_000_000 + 50_000_000 + 20_000_000 = 3_073_000_000
    expect(partial.rate(llmCall('my-vllm', 'm', { inputUncached: 1_001, cacheRead: 100, output: 10 })).cost?.total).toBe(3_073_000_000n);
  });

  it('picks the highest threshold exceeded among several tiers, whatever order they are written in', () => {
    const tiers = createPriceBook([
      {
        id: 't', provider: 'my-vllm', model: 'm', input_mtok: '1', output_mtok: '0',
        long_context: [{ above_input_tokens: 300000, input_mtok: '3' }, { above_input_tokens: 100000, input_mtok: '2' }],
      },
    ]);
    const cost = (input: number) => tiers.rate(llmCall('my-vllm', 'm', { inputUncached: input, output: 0 })).cost?.total;
    expect(cost(100_000)).toBe(100_000n * 1_000_000n); // 100_000_000_000
    expect(cost(100_001)).toBe(100_001n * 2_000_000n); // 200_002_000_000
    expect(cost(300_000)).toBe(300_000n * 2_000_000n); // 600_000_000_000
    expect(cost(300_001)).toBe(300_001n * 3_000_000n); // 900_003_000_000
  });

  it('lists the tier prices in the price book as <key>>N', async () => {
    await loadPriceBook(); // entries() lists the catalog too, which loads asynchronously
    const entry = book.entries().find((e) => e.entry_id === 'override:long-ctx');
    expect(entry?.prices).toEqual({
      input_mtok: '1.00', cache_read_mtok: '0.10', output_mtok: '4.00', per_call: '0.0001',
      'input_mtok>200000': '2.00', 'cache_read_mtok>200000': '0.20', 'output_mtok>200000': '6.00',
    });
  });
});
