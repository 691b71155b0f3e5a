import { describe, expect, it } from 'vitest';
import type { PriceOverride } from '../../exporter/src/price/index.js';
import { createPriceBook, PriceBookError } from '../../exporter/src/price/index.js';
import { llmCall, pico, picoUsd } from './llm-call-fixture.js';

// Catalog reference (genai-prices 0.1.8): gpt-4o-mini $0.15 in / $0.075 cached / $0.60 out per million tokens.
const MINI = { input: '0.15', cached: '0.075', output: '0.60' };

describe('overrides', () => {
  it('prices a fine-tuned model the catalog does not know with fixed prices', () => {
    const book = createPriceBook([
      { id: 'acme-ft', provider: 'openai', model: 'ft:gpt-4o-mini:acme:*', input_mtok: '0.30', cache_read_mtok: '0.15', output_mtok: '1.20', per_call: '0.0001' },
    ]);
    const priced = book.rate(llmCall('openai', 'ft:gpt-4o-mini:acme:support:9x', { inputUncached: 1_000, cacheRead: 3_000, cacheWrite: 500, output: 2_000 }));
    expect(priced.priceSource).toBe('override');
    expect(priced.priceId).toBe('override:acme-ft');
    expect(priced.cost).toEqual({
      input: pico(1_000, '0.30'),
      cacheRead: pico(3_000, '0.15'),
      // No cache_write_mtok in the entry: cache writes bill at its input rate, like the catalog.
      cacheWrite: pico(500, '0.30'),
      output: pico(2_000, '1.20'),
      request: picoUsd('0.0001'),
      total: pico(1_000, '0.30') + pico(3_000, '0.15') + pico(500, '0.30') + pico(2_000, '1.20') + picoUsd('0.0001'),
    });
  });

  it('lets fixed prices win over the catalog for a model it knows', () => {
    const book = createPriceBook([{ id: 'mini-contract', provider: 'openai', model: 'gpt-4o-mini', input_mtok: 0.1, output_mtok: 0.4 }]);
    const priced = book.rate(llmCall('openai', 'gpt-4o-mini', { inputUncached: 1_000, output: 1_000 }));
    expect(priced.priceId).toBe('override:mini-contract');
    expect(priced.cost?.total).toBe(pico(1_000, '0.1') + pico(1_000, '0.4'));
  });

  describe('a percent discount applies only inside its date range', () => {
    const book = createPriceBook([
      { id: 'acme-2025', provider: 'openai', discount_percent: '12.5', effective_from: '2025-01-01', effective_to: '2026-01-01' },
    ]);
    const usage = { inputUncached: 8_000, cacheRead: 4_000, output: 1_000 };
    const list = pico(8_000, MINI.input) + pico(4_000, MINI.cached) + pico(1_000, MINI.output);
    // 12.5 % off: each rate × 0.875 (exact here: 131_250, 65_625 and 525_000 pico per token).
    const discounted = (list * 875n) / 1000n;

    it.each([
      ['before', '2024-12-31T23:59:59.999Z', 'catalog:openai/gpt-4o-mini', list],
      ['at the start', '2025-01-01T00:00:00Z', 'override:acme-2025+catalog:openai/gpt-4o-mini', discounted],
      ['inside', '2025-07-01T00:00:00Z', 'override:acme-2025+catalog:openai/gpt-4o-mini', discounted],
      ['at the end (exclusive)', '2026-01-01T00:00:00Z', 'catalog:openai/gpt-4o-mini', list],
    ])('%s the range', (_label, at, priceId, total) => {
      const priced = book.rate(llmCall('openai', 'gpt-4o-mini', usage, { at }));
      expect(priced.priceId).toBe(priceId);
      expect(priced.cost?.total).toBe(total);
    });
  });

  it('discounts a dated catalog price with the catalog entry in effect', () => {
    const book = createPriceBook([{ id: 'd10', provider: 'openai', model: 'o3', discount_percent: 10 }]);
    const before = book.rate(llmCall('openai', 'o3', { output: 1_000 }, { at: '2025-06-01T00:00:00Z' }));
    const after = book.rate(llmCall('openai', 'o3', { output: 1_000 }, { at: '2025-07-01T00:00:00Z' }));
    expect(before.priceId).toBe('override:d10+catalog:openai/o3');
    expect(before.cost?.total).toBe((pico(1_000, '40') * 9n) / 10n);
    expect(after.priceId).toBe('override:d10+catalog:openai/o3#from=2025-06-10');
    expect(after.cost?.total).toBe((pico(1_000, '8') * 9n) / 10n);
  });

  it('ignores a discount where the catalog has no price to discount', () => {
    const book = createPriceBook([{ id: 'all-openai', provider: 'openai', discount_percent: 10 }]);
    expect(book.rate(llmCall('openai', 'gpt-99-ultra', { output: 1 }))).toMatchObject({ cost: null, unpricedReason: 'unknown_model' });
  });

  describe('precedence: most specific model, then most recent effective_from, then later in the file', () => {
    const overrides: PriceOverride[] = [
      { id: 'provider-wide', provider: 'openai', discount_percent: 10 },
      { id: 'provider-wide-2025', provider: 'openai', discount_percent: 15, effective_from: '2025-01-01' },
      { id: 'pattern', provider: 'openai', model: 'gpt-4o-*', discount_percent: 20 },
      { id: 'exact', provider: 'openai', model: 'gpt-4o-mini', discount_percent: 30, effective_to: '2025-03-01' },
    ];
    const book = createPriceBook(overrides);

    it.each([
      ['exact model beats pattern and provider-wide', 'gpt-4o-mini', '2025-02-01T00:00:00Z', 'override:exact'],
      ['pattern once the exact entry has ended', 'gpt-4o-mini', '2025-03-01T00:00:00Z', 'override:pattern'],
      ['most recent provider-wide entry', 'gpt-4.1', '2025-02-01T00:00:00Z', 'override:provider-wide-2025'],
      ['older provider-wide entry before the newer starts', 'gpt-4.1', '2024-06-01T00:00:00Z', 'override:provider-wide'],
    ])('%s', (_label, model, at, prefix) => {
      const priced = book.rate(llmCall('openai', model, { output: 100 }, { at }));
      expect(priced.priceId.split('+')[0]).toBe(prefix);
    });
  });

  it('prefers an exact name to a pattern with as much literal text, even a newer and later one', () => {
    const book = createPriceBook([
      { id: 'exact', provider: 'openai', model: 'gpt-4o-mini', discount_percent: 5 },
      { id: 'pattern', provider: 'openai', model: 'gpt-4o-mini*', input_mtok: 1, output_mtok: 1, effective_from: '2025-01-01' },
    ]);
    expect(book.rate(llmCall('openai', 'gpt-4o-mini', { output: 1 })).priceId).toBe('override:exact+catalog:openai/gpt-4o-mini');
    // A dated snapshot resolves to the catalog model gpt-4o-mini, which the exact entry names.
    expect(book.rate(llmCall('openai', 'gpt-4o-mini-2024-07-18', { output: 1 })).priceId).toBe('override:exact+catalog:openai/gpt-4o-mini');
    expect(book.rate(llmCall('openai', 'gpt-4o-mini-house-ft', { output: 1 })).priceId).toBe('override:pattern');
  });

  it('matches an override by the catalog provider id and model id as well as by the reported names', () => {
    const book = createPriceBook([{ id: 'bedrock-haiku', provider: 'aws', model: 'regional.anthropic.claude-3-5-haiku-20241022-v1:0', discount_percent: 50 }]);
    const priced = book.rate(llmCall('aws-bedrock', 'anthropic.claude-3-5-haiku-20241022-v1:0', { inputUncached: 1_000 }));
    expect(priced.priceId).toBe('override:bedrock-haiku+catalog:aws/regional.anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(priced.cost?.total).toBe(pico(1_000, '0.4'));
  });

  it('rounds a discounted rate to whole pico-dollars per token, half to even', () => {
    // 0.075 $/Mtok = 75_000 pico per token; 33.3333 % off keeps 66.6667 %: 50_000.025 → 50_000.
    const book = createPriceBook([{ id: 'third', provider: 'openai', model: 'gpt-4o-mini', discount_percent: '33.3333' }]);
    const priced = book.rate(llmCall('openai', 'gpt-4o-mini', { cacheRead: 1_000_000 }));
    expect(priced.cost?.cacheRead).toBe(50_000n * 1_000_000n);
  });

  it('lists overrides after the catalog in entries(), with exact decimal prices', () => {
    const book = createPriceBook([
      { id: 'vllm', provider: 'my-vllm', model: 'Llama-3.3-70B', input_mtok: '0.05', output_mtok: 0.08, per_call: '0.00001', effective_from: '2025-09-01' },
      { id: 'disc', provider: 'openai', discount_percent: 12.5, effective_to: '2026-01-01T00:00:00Z' },
    ]);
    const rows = book.entries();
    expect(rows.length).toBeGreaterThan(1_500);
    expect(rows.slice(-2)).toEqual([
      {
        entry_id: 'override:vllm', source: 'override', provider: 'my-vllm', model: 'llama-3.3-70b',
        effective_from: '2025-09-01T00:00:00.000Z', effective_to: null,
        prices: { input_mtok: '0.05', output_mtok: '0.08', per_call: '0.00001' }, catalog_version: book.catalogVersion,
      },
      {
        entry_id: 'override:disc', source: 'override', provider: 'openai', model: '*',
        effective_from: null, effective_to: '2026-01-01T00:00:00.000Z',
        prices: { discount_percent: '12.5' }, catalog_version: book.catalogVersion,
      },
    ]);
    const mini = rows.find((r) => r.entry_id === 'catalog:openai/gpt-4o-mini');
    expect(mini?.prices).toMatchObject({ input_mtok: '0.15', cache_read_mtok: '0.075', output_mtok: '0.6' });
    expect(new Set(rows.map((r) => r.entry_id)).size).toBe(rows.length);
    expect(book.catalogVersion).toBe('@pydantic/genai-prices@0.1.8');
  });

  it('rejects invalid overrides given in code with every problem listed', () => {
    const bad = [
      { provider: 'openai', model: 'gpt-4o', input_mtok: '-1', output_mtok: '1' },
      { provider: 'openai', discount_percent: 10, input_mtok: 1, output_mtok: 1 },
    ] as PriceOverride[];
    expect(() => createPriceBook(bad)).toThrow(PriceBookError);
    try {
      createPriceBook(bad);
    } catch (err) {
      expect((err as PriceBookError).problems.map((p) => p.path)).toEqual(['overrides[0].input_mtok', 'overrides[1].discount_percent']);
      expect((err as PriceBookError).source).toBe('<inline>');
    }
  });
});
