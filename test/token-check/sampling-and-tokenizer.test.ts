import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chooseTokenizer, SpanSampler } from '../../exporter/src/token-check/index.js';

const hex = (n: number) => randomBytes(n).toString('hex');

describe('sampling spans for the token check', () => {
  it('answers the same for the same span every time, in every sampler', () => {
    const ids = Array.from({ length: 200 }, () => [hex(16), hex(8)] as const);
    const a = ids.map(([t, s]) => new SpanSampler(0.3).sampled(t, s));
    const b = ids.map(([t, s]) => new SpanSampler(0.3).sampled(t, s));
    expect(a).toEqual(b);
  });

  it('samples about the configured share, none at 0 and all at 1', () => {
    const ids = Array.from({ length: 20_000 }, () => [hex(16), hex(8)] as const);
    const share = (f: number) => ids.filter(([t, s]) => new SpanSampler(f).sampled(t, s)).length / ids.length;
    expect(share(0)).toBe(0);
    expect(share(1)).toBe(1);
    expect(share(0.1)).toBeGreaterThan(0.09);
    expect(share(0.1)).toBeLessThan(0.11);
  });

  it('spreads sequential span ids too', () => {
    const trace = '0'.repeat(31) + '1';
    const ids = Array.from({ length: 10_000 }, (_, i) => i.toString(16).padStart(16, '0'));
    const share = ids.filter((s) => new SpanSampler(0.25).sampled(trace, s)).length / ids.length;
    expect(share).toBeGreaterThan(0.23);
    expect(share).toBeLessThan(0.27);
  });

  it('keeps every span sampled at a lower share when the share is raised', () => {
    const ids = Array.from({ length: 2000 }, () => [hex(16), hex(8)] as const);
    for (const [t, s] of ids) if (new SpanSampler(0.1).sampled(t, s)) expect(new SpanSampler(0.5).sampled(t, s)).toBe(true);
  });

  it('refuses a share outside 0..1', () => {
    expect(() => new SpanSampler(1.5)).toThrow(/fraction from 0 to 1/);
  });
});

describe('choosing the tokenizer for a model', () => {
  it.each([
    ['openai', 'gpt-4o', 'o200k_base', true],
    ['openai', 'gpt-4o-mini-2024-07-18', 'o200k_base', true],
    ['openai', 'gpt-4.1-nano', 'o200k_base', true],
    ['openai', 'gpt-5-mini', 'o200k_base', true],
    ['openai', 'o3-mini', 'o200k_base', true],
    ['azure', 'gpt-4o', 'o200k_base', true],
    ['openai', 'gpt-4-turbo', 'cl100k_base', true],
    ['openai', 'gpt-3.5-turbo-0125', 'cl100k_base', true],
    ['openai', 'openai/gpt-4o', 'o200k_base', true],
    ['anthropic', 'claude-sonnet-4-20250514', 'o200k_base', false],
    ['google', 'gemini-2.5-flash', 'o200k_base', false],
    ['openrouter', 'openai/gpt-4o', 'o200k_base', false],
    ['azure', 'my-deployment', 'o200k_base', false],
  ])('%s %s -> %s (exact %s)', (provider, model, encoding, exact) => {
    expect(chooseTokenizer(provider, model)).toEqual({ encoding, exact });
  });
});
