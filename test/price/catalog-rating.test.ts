import { describe, expect, it } from 'vitest';
import type { TokenUsage } from '../../exporter/src/model/llm-call.js';
import type { CallCost } from '../../exporter/src/model/priced-call.js';
import { createPriceBook } from '../../exporter/src/price/index.js';
import { llmCall, pico, picoUsd } from './llm-call-fixture.js';

/*
 * Expected costs are computed here from published per-million-token prices written as literals. The
 * numbers are those of the bundled @pydantic/genai-prices 0.1.8 data (which cites the providers' pricing
 * pages); a catalog upgrade that changes them should make these tests fail and be reviewed.
 */

interface Case {
  name: string;
  provider: string;
  model: string;
  responseModel?: string;
  at?: string;
  usage: Partial<TokenUsage>;
  priceId: string;
  expected: Omit<CallCost, 'total'>;
}

const zero = { input: 0n, cacheRead: 0n, cacheWrite: 0n, output: 0n, request: 0n };

const cases: Case[] = [
  {
    // gpt-4o-mini: $0.15 input, $0.075 cached input, $0.60 output per million tokens.
    name: 'OpenAI with cached input',
    provider: 'openai',
    model: 'gpt-4o-mini',
    responseModel: 'gpt-4o-mini-2024-07-18',
    usage: { inputReported: 1_500, inputUncached: 900, cacheRead: 600, output: 350 },
    priceId: 'catalog:openai/gpt-4o-mini',
    expected: { ...zero, input: pico(900, '0.15'), cacheRead: pico(600, '0.075'), output: pico(350, '0.60') },
  },
  {
    // Claude Sonnet 4: $3 input, $3.75 cache write (5 min), $0.30 cache read, $15 output.
    name: 'Anthropic with cache read and cache write',
    provider: 'anthropic',
    model: 'claude-sonnet-4-20250514',
    usage: { inputUncached: 1_200, cacheRead: 20_000, cacheWrite: 4_000, output: 800 },
    priceId: 'catalog:anthropic/claude-sonnet-4-0',
    expected: { ...zero, input: pico(1_200, '3'), cacheRead: pico(20_000, '0.30'), cacheWrite: pico(4_000, '3.75'), output: pico(800, '15') },
  },
  {
    // gpt-4o-mini has no cache-write price: cache writes are billed at the input rate, as genai-prices does.
    name: 'cache writes without a cache-write price at the input rate',
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: { inputUncached: 100, cacheWrite: 1_000, output: 10 },
    priceId: 'catalog:openai/gpt-4o-mini',
    expected: { ...zero, input: pico(100, '0.15'), cacheWrite: pico(1_000, '0.15'), output: pico(10, '0.60') },
  },
  {
    // o3 since 2025-06-10: $2 input, $0.50 cached, $8 output; reasoning tokens are part of output.
    name: 'reasoning tokens billed as output',
    provider: 'openai',
    model: 'o3',
    at: '2025-08-01T00:00:00Z',
    usage: { inputUncached: 2_000, output: 5_000, reasoning: 4_200 },
    priceId: 'catalog:openai/o3#from=2025-06-10',
    expected: { ...zero, input: pico(2_000, '2'), output: pico(5_000, '8') },
  },
  {
    // o3 before 2025-06-10: $10 input, $40 output (the catalog's dated price list).
    name: 'dated catalog price before its start date',
    provider: 'openai',
    model: 'o3',
    at: '2025-06-09T23:59:59.999Z',
    usage: { inputUncached: 2_000, output: 5_000, reasoning: 4_200 },
    priceId: 'catalog:openai/o3',
    expected: { ...zero, input: pico(2_000, '10'), output: pico(5_000, '40') },
  },
  {
    name: 'dated catalog price from the first microsecond of its start date',
    provider: 'openai',
    model: 'o3',
    at: '2025-06-10T00:00:00Z',
    usage: { inputUncached: 1_000_000, output: 1_000_000 },
    priceId: 'catalog:openai/o3#from=2025-06-10',
    expected: { ...zero, input: pico(1_000_000, '2'), output: pico(1_000_000, '8') },
  },
  {
    // Perplexity sonar-deep-research prices reasoning apart: $8 output, $3 reasoning, $2 input.
    name: 'reasoning at its own rate when the catalog prices it apart',
    provider: 'perplexity',
    model: 'sonar-deep-research',
    usage: { inputUncached: 1_000, output: 1_000, reasoning: 400 },
    priceId: 'catalog:perplexity/sonar-deep-research',
    expected: { ...zero, input: pico(1_000, '2'), output: pico(600, '8') + pico(400, '3') },
  },
  {
    // Perplexity sonar: $1 in, $1 out, $12 per thousand requests.
    name: 'per-request fee',
    provider: 'perplexity',
    model: 'sonar',
    usage: { inputUncached: 500, output: 200 },
    priceId: 'catalog:perplexity/sonar',
    expected: { ...zero, input: pico(500, '1'), output: pico(200, '1'), request: picoUsd('0.012') },
  },
  {
    // Gemini 2.5 Pro: $1.25 / $0.125 cached / $10 out up to 200k input tokens.
    name: 'long-context tier not reached at exactly the threshold',
    provider: 'google',
    model: 'gemini-2.5-pro',
    usage: { inputUncached: 150_000, cacheRead: 50_000, output: 1_000 },
    priceId: 'catalog:google/gemini-2.5-pro',
    expected: { ...zero, input: pico(150_000, '1.25'), cacheRead: pico(50_000, '0.125'), output: pico(1_000, '10') },
  },
  {
    // Above 200k total input (cached included): $2.50 / $0.25 / $15 on every token of the call.
    name: 'long-context tier on the whole call once total input exceeds it',
    provider: 'google',
    model: 'gemini-2.5-pro',
    usage: { inputUncached: 150_000, cacheRead: 50_001, output: 1_000 },
    priceId: 'catalog:google/gemini-2.5-pro',
    expected: { ...zero, input: pico(150_000, '2.5'), cacheRead: pico(50_001, '0.25'), output: pico(1_000, '15') },
  },
  {
    // DeepSeek V4 Flash peak window 01:00-04:00 UTC: $0.44 in, $0.014 cached, $1.32 out.
    name: 'time-of-day catalog price inside its window',
    provider: 'deepseek',
    model: 'deepseek-v4-flash',
    at: '2026-05-01T02:30:00Z',
    usage: { inputUncached: 10_000, cacheRead: 5_000, output: 1_000 },
    priceId: 'catalog:deepseek/deepseek-v4-flash#time=01:00:00Z-04:00:00Z',
    expected: { ...zero, input: pico(10_000, '0.44'), cacheRead: pico(5_000, '0.014'), output: pico(1_000, '1.32') },
  },
  {
    // Outside the windows, before 2026-08-17: $0.14 in, $0.0028 cached, $0.28 out.
    name: 'time-of-day catalog price outside its window',
    provider: 'deepseek',
    model: 'deepseek-v4-flash',
    at: '2026-05-01T04:00:00Z',
    usage: { inputUncached: 10_000, cacheRead: 5_000, output: 1_000 },
    priceId: 'catalog:deepseek/deepseek-v4-flash',
    expected: { ...zero, input: pico(10_000, '0.14'), cacheRead: pico(5_000, '0.0028'), output: pico(1_000, '0.28') },
  },
  {
    // Provider alias: genai-prices maps aws-bedrock to its `aws` provider.
    name: 'provider alias resolved by the catalog',
    provider: 'aws-bedrock',
    model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    usage: { inputUncached: 1_000, output: 100 },
    priceId: 'catalog:aws/regional.anthropic.claude-3-5-haiku-20241022-v1:0',
    expected: { ...zero, input: pico(1_000, '0.8'), output: pico(100, '4') },
  },
];

describe('rating against the catalog', () => {
  const book = createPriceBook();

  it.each(cases)('$name', (c) => {
    const priced = book.rate(llmCall(c.provider, c.model, c.usage, { at: c.at, responseModel: c.responseModel }));
    const e = c.expected;
    expect(priced.unpricedReason).toBe('');
    expect(priced.priceSource).toBe('catalog');
    expect(priced.priceId).toBe(c.priceId);
    expect(priced.cost).toEqual({ ...e, total: e.input + e.cacheRead + e.cacheWrite + e.output + e.request });
  });

  it('leaves an unknown model unpriced, never at $0', () => {
    const priced = book.rate(llmCall('openai', 'gpt-99-ultra', { inputUncached: 10, output: 10 }));
    expect(priced).toMatchObject({ cost: null, unpricedReason: 'unknown_model', priceId: '', priceSource: '' });
  });

  it('does not borrow another provider’s price for a provider the catalog does not know', () => {
    const priced = book.rate(llmCall('my-vllm', 'gpt-4o-mini', { inputUncached: 10, output: 10 }));
    expect(priced).toMatchObject({ cost: null, unpricedReason: 'unknown_model' });
  });

  it('infers the provider from the model name when the call names none', () => {
    const priced = book.rate(llmCall('', 'gpt-4o-mini', { inputUncached: 1_000 }));
    expect(priced.priceId).toBe('catalog:openai/gpt-4o-mini');
    expect(priced.cost?.total).toBe(pico(1_000, '0.15'));
  });

  it('falls back to the request model when the response model is unknown', () => {
    const priced = book.rate(llmCall('openai', 'gpt-4o-mini', { output: 1_000 }, { responseModel: 'gpt-4o-mini-canary-x' }));
    expect(priced.priceId).toBe('catalog:openai/gpt-4o-mini');
  });

  it('leaves a call without token counts unpriced', () => {
    const priced = book.rate(llmCall('openai', 'gpt-4o-mini', {}, { hasUsage: false }));
    expect(priced).toMatchObject({ cost: null, unpricedReason: 'no_usage', priceId: '' });
  });

  it('refuses token counts that are not whole non-negative numbers instead of throwing', () => {
    const priced = book.rate(llmCall('openai', 'gpt-4o-mini', { inputUncached: 1.5 }));
    expect(priced).toMatchObject({ cost: null, unpricedReason: 'no_usage' });
  });

  it('leaves a model priced only in units tokens do not measure unpriced', () => {
    // whisper-1 is priced per audio hour; rating it from token counts would claim $0.
    const priced = book.rate(llmCall('openai', 'whisper-1', { inputUncached: 100 }));
    expect(priced).toMatchObject({ cost: null, unpricedReason: 'unknown_model' });
  });

  it('prices a model the catalog lists as free at $0 and says which entry said so', () => {
    const priced = book.rate(llmCall('openai', 'omni-moderation-latest', { inputUncached: 100 }));
    expect(priced.priceId).toBe('catalog:openai/moderation');
    expect(priced.cost?.total).toBe(0n);
  });

  it('names the provider whose list a fallback price came from', () => {
    // Azure falls back to OpenAI's list for OpenAI models.
    const priced = book.rate(llmCall('azure', 'gpt-4o-mini', { inputUncached: 1_000 }));
    expect(priced.priceId).toBe('catalog:openai/gpt-4o-mini');
  });
});

describe('catalog prices finer than pico-dollar precision', () => {
  it('rounds them half-even to 1e-6 $/Mtok and says so in the entry notes', async () => {
    const { loadPriceBook } = await import('../../exporter/src/price/index.js');
    const rows = (await loadPriceBook({})).entries().filter((r) => r.prices.notes?.includes('rounded'));
    // genai-prices 0.1.8: one float artefact (0.18000000000000002) and six 1/12 $/Mtok cache-write prices.
    expect(rows.map((r) => r.entry_id)).toContain('catalog:huggingface_together/Qwen/Qwen3-VL-8B-Instruct');
    expect(rows.find((r) => r.entry_id.endsWith('Qwen3-VL-8B-Instruct'))?.prices.input_mtok).toBe('0.18');
    expect(rows.find((r) => r.entry_id === 'catalog:openrouter/google/gemini-2.5-flash-lite')?.prices.cache_write_mtok).toBe('0.083333');
    for (const r of rows) expect(r.prices.notes).toMatch(/rounded to \d+\.\d{1,6} \(pico-dollar precision\)/);
  });
});
