import { describe, expect, it } from 'vitest';
import { storedToLlmCall } from '../../exporter/src/pnl/reprice.js';
import { createPriceBook, loadPriceBook } from '../../exporter/src/price/index.js';
import { llmCall, pico } from './llm-call-fixture.js';

/*
 * Catalog reference (genai-prices 0.1.8), gpt-4o-mini: input $0.15, cached input $0.075, output $0.60 per
 * million tokens = 150_000, 75_000 and 600_000 pico-dollars per token.
 *
 * The call used throughout: 10_000 uncached input, 2_000 cache-read and 1_000 output tokens.
 *   list price:   10_000 × 150_000 + 2_000 × 75_000 + 1_000 × 600_000
 *               = 1_500_000_000 + 150_000_000 + 600_000_000 = 2_250_000_000 pico ($0.00225)
 *   batch, 50 % off (every rate × 0.5: 75_000, 37_500, 300_000 per token):
 *                 10_000 × 75_000 + 2_000 × 37_500 + 1_000 × 300_000
 *               = 750_000_000 + 75_000_000 + 300_000_000 = 1_125_000_000 pico ($0.001125)
 */
const USAGE = { inputReported: 12_000, inputUncached: 10_000, cacheRead: 2_000, output: 1_000 };
const LIST = 2_250_000_000n;
const BATCH = 1_125_000_000n;

describe('service-tier overrides', () => {
  describe('a batch-tier discount applies only to batch calls', () => {
    const book = createPriceBook([{ id: 'openai-batch', provider: 'openai', service_tier: 'batch', discount_percent: 50 }]);

    it.each([
      ['batch', 'override:openai-batch+catalog:openai/gpt-4o-mini', BATCH],
      ['', 'catalog:openai/gpt-4o-mini', LIST],
      ['default', 'catalog:openai/gpt-4o-mini', LIST],
      ['flex', 'catalog:openai/gpt-4o-mini', LIST],
      ['priority', 'catalog:openai/gpt-4o-mini', LIST],
      ['scale', 'catalog:openai/gpt-4o-mini', LIST],
    ])('tier %j', (tier, priceId, total) => {
      const priced = book.rate(llmCall('openai', 'gpt-4o-mini', USAGE, { serviceTier: tier }));
      expect(priced.priceId).toBe(priceId);
      expect(priced.cost?.total).toBe(total);
    });

    it('halves every component exactly', () => {
      const priced = book.rate(llmCall('openai', 'gpt-4o-mini', USAGE, { serviceTier: 'batch' }));
      expect(priced.cost).toEqual({ input: 750_000_000n, cacheRead: 75_000_000n, cacheWrite: 0n, output: 300_000_000n, request: 0n, total: BATCH });
    });
  });

  it('ranks a tier entry above a more specific model entry for every tier, and a tier entry for the model above both', () => {
    const negotiated = { id: 'mini-negotiated', provider: 'openai', model: 'gpt-4o-mini', discount_percent: '12.5' };
    const batch = { id: 'openai-batch', provider: 'openai', service_tier: 'batch', discount_percent: '50' };
    const both = createPriceBook([negotiated, batch]);
    // Batch call: the batch entry wins over the model-specific one (discounts never stack).
    expect(both.rate(llmCall('openai', 'gpt-4o-mini', USAGE, { serviceTier: 'batch' })).cost?.total).toBe(BATCH);
    // Default call: 12.5 % off = × 0.875, exact: 2_250_000_000 × 0.875 = 1_968_750_000.
    const normal = both.rate(llmCall('openai', 'gpt-4o-mini', USAGE));
    expect(normal.priceId).toBe('override:mini-negotiated+catalog:openai/gpt-4o-mini');
    expect(normal.cost?.total).toBe(1_968_750_000n);

    // The combined price written as one entry for the model's batch calls: 1 - 0.875 × 0.5 = 56.25 % off.
    // Rates × 0.4375: 150_000 → 65_625; 75_000 → 32_812.5, rounded half-even to 32_812; 600_000 → 262_500.
    //   10_000 × 65_625 + 2_000 × 32_812 + 1_000 × 262_500 = 656_250_000 + 65_624_000 + 262_500_000 = 984_374_000
    const combined = createPriceBook([negotiated, batch, { id: 'mini-batch', provider: 'openai', model: 'gpt-4o-mini', service_tier: 'batch', discount_percent: '56.25' }]);
    const priced = combined.rate(llmCall('openai', 'gpt-4o-mini', USAGE, { serviceTier: 'batch' }));
    expect(priced.priceId).toBe('override:mini-batch+catalog:openai/gpt-4o-mini');
    expect(priced.cost?.total).toBe(984_374_000n);
  });

  it('a default-tier entry prices calls that report no tier, but not batch calls', () => {
    const book = createPriceBook([
      { id: 'contract-standard', provider: 'openai', model: 'gpt-4o-mini', service_tier: 'default', input_mtok: '0.12', cache_read_mtok: '0.06', output_mtok: '0.48' },
    ]);
    // 10_000 × 120_000 + 2_000 × 60_000 + 1_000 × 480_000 = 1_200_000_000 + 120_000_000 + 480_000_000 = 1_800_000_000
    const contract = pico(10_000, '0.12') + pico(2_000, '0.06') + pico(1_000, '0.48');
    expect(contract).toBe(1_800_000_000n);
    expect(book.rate(llmCall('openai', 'gpt-4o-mini', USAGE)).cost?.total).toBe(contract);
    expect(book.rate(llmCall('openai', 'gpt-4o-mini', USAGE, { serviceTier: 'default' })).cost?.total).toBe(contract);
    const batch = book.rate(llmCall('openai', 'gpt-4o-mini', USAGE, { serviceTier: 'batch' }));
    expect(batch.priceId).toBe('catalog:openai/gpt-4o-mini');
    expect(batch.cost?.total).toBe(LIST);
  });

  it('prices a tier of a self-hosted model with fixed prices, inside its date range only', () => {
    const book = createPriceBook([
      { id: 'vllm', provider: 'my-vllm', model: 'llama-3.3-70b', input_mtok: '0.05', output_mtok: '0.08' },
      { id: 'vllm-priority-2026', provider: 'my-vllm', model: 'llama-3.3-70b', service_tier: 'priority', input_mtok: '0.10', output_mtok: '0.16', effective_from: '2026-01-01' },
    ]);
    const usage = { inputUncached: 1_000_000, output: 100_000 };
    // Priority from 2026: 1_000_000 × 100_000 + 100_000 × 160_000 = 100_000_000_000 + 16_000_000_000 = 116_000_000_000.
    expect(book.rate(llmCall('my-vllm', 'llama-3.3-70b', usage, { serviceTier: 'priority', at: '2026-02-01T00:00:00Z' })).cost?.total).toBe(116_000_000_000n);
    // Before it, the every-tier entry: 1_000_000 × 50_000 + 100_000 × 80_000 = 50_000_000_000 + 8_000_000_000 = 58_000_000_000.
    const before = book.rate(llmCall('my-vllm', 'llama-3.3-70b', usage, { serviceTier: 'priority', at: '2025-12-31T23:59:59Z' }));
    expect(before.priceId).toBe('override:vllm');
    expect(before.cost?.total).toBe(58_000_000_000n);
    expect(book.rate(llmCall('my-vllm', 'llama-3.3-70b', usage, { at: '2026-02-01T00:00:00Z' })).cost?.total).toBe(58_000_000_000n);
  });

  it('a batch discount never prices a model the catalog does not know', () => {
    const book = createPriceBook([{ id: 'openai-batch', provider: 'openai', service_tier: 'batch', discount_percent: 50 }]);
    const priced = book.rate(llmCall('openai', 'no-such-model-xyz', USAGE, { serviceTier: 'batch' }));
    expect(priced.cost).toBeNull();
    expect(priced.unpricedReason).toBe('unknown_model');
  });

  it('re-rating a stored call uses its stored tier', () => {
    const book = createPriceBook([{ id: 'openai-batch', provider: 'openai', service_tier: 'batch', discount_percent: 50 }]);
    const row = {
      trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', start_us: Date.UTC(2026, 0, 5) * 1000, customer_id: 'c',
      provider: 'openai', request_model: 'gpt-4o-mini', response_model: '', input_tokens: 10_000, input_tokens_reported: 12_000,
      input_includes_cache: true, cache_read_tokens: 2_000, cache_write_tokens: 0, output_tokens: 1_000, reasoning_tokens: 0, has_usage: true,
    };
    expect(book.rate(storedToLlmCall({ ...row, service_tier: 'batch' })).cost?.total).toBe(BATCH);
    // Rows stored before migration 010 read back with service_tier '' and keep the list price.
    expect(book.rate(storedToLlmCall({ ...row, service_tier: '' })).cost?.total).toBe(LIST);
  });

  it('lists the tier with the entry and derives distinct ids per tier', async () => {
    const book = await loadPriceBook();
    expect(book.entries().length).toBeGreaterThan(0); // the catalog is loaded before entries() is asked for
    const tiered = createPriceBook([
      { provider: 'openai', discount_percent: 10 },
      { provider: 'openai', service_tier: 'batch', discount_percent: 50 },
    ]);
    const overrides = tiered.entries().filter((e) => e.source === 'override');
    expect(overrides.map((e) => [e.entry_id, e.prices])).toEqual([
      ['override:openai/*', { discount_percent: '10' }],
      ['override:openai/*#tier=batch', { discount_percent: '50', service_tier: 'batch' }],
    ]);
  });
});

describe('the example overrides file', () => {
  it('prices Anthropic batch results at half price and a long-context self-hosted call at its tier', async () => {
    const book = await loadPriceBook({ overridesFile: new URL('../../examples/prices.example.yaml', import.meta.url).pathname });
    // claude-sonnet-4 (catalog: input $3, cache read $0.30, output $15 per million = 3_000_000, 300_000 and
    // 15_000_000 pico per token); 50 % off each: 1_500_000, 150_000, 7_500_000.
    //   1_000 × 1_500_000 + 10_000 × 150_000 + 500 × 7_500_000 = 1_500_000_000 + 1_500_000_000 + 3_750_000_000
    const usage = { inputUncached: 1_000, cacheRead: 10_000, output: 500 };
    const batch = book.rate(llmCall('anthropic', 'claude-sonnet-4-20250514', usage, { serviceTier: 'batch' }));
    expect(batch.priceId).toBe('override:anthropic-batch+catalog:anthropic/claude-sonnet-4-0');
    expect(batch.cost?.total).toBe(6_750_000_000n);
    expect(book.rate(llmCall('anthropic', 'claude-sonnet-4-20250514', usage)).cost?.total).toBe(13_500_000_000n);

    // 128_001 input tokens > 128_000: 128_001 × 200_000 + 1_000 × 600_000 = 25_600_200_000 + 600_000_000.
    const long = book.rate(llmCall('my-vllm', 'qwen2.5-14b-instruct-1m', { inputUncached: 128_001, output: 1_000 }));
    expect(long.cost?.total).toBe(26_200_200_000n);
    // 128_000 exactly: 128_000 × 100_000 + 1_000 × 300_000 = 12_800_000_000 + 300_000_000.
    expect(book.rate(llmCall('my-vllm', 'qwen2.5-14b-instruct-1m', { inputUncached: 128_000, output: 1_000 })).cost?.total).toBe(13_100_000_000n);
  });
});
