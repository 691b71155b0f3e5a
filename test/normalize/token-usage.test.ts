import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AttrValue, Attributes, DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import type { LlmCall, NormalizedSpan } from '../../exporter/src/model/llm-call.js';
import { defaultNormalizeOptions, normalizeSpan } from '../../exporter/src/normalize/index.js';
import { fixture, loadConventionFixtures } from './convention-fixtures.js';

const options = defaultNormalizeOptions();

function call(result: NormalizedSpan): LlmCall {
  if (result.kind !== 'llm') throw new Error(`expected llm, got ${JSON.stringify(result)}`);
  return result.call;
}

function withAttributes(file: string, changes: Record<string, AttrValue | undefined>): DecodedSpan {
  const span = fixture(file).span;
  const attributes: Attributes = { ...span.attributes };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete attributes[key];
    else attributes[key] = value;
  }
  return { ...span, attributes };
}

describe('token counts', () => {
  it('accepts counts sent as decimal strings (OTLP JSON int64)', () => {
    const span = withAttributes('otel-instrumentation-openai-chat.json', {
      'gen_ai.usage.input_tokens': '1000',
      'gen_ai.usage.output_tokens': '200',
    });
    expect(call(normalizeSpan(span, options)).usage).toEqual({
      inputReported: 1000,
      inputUncached: 1000,
      cacheRead: 0,
      cacheWrite: 0,
      output: 200,
      reasoning: 0,
    });
  });

  it.each([
    ['negative', -5, 'gen_ai.usage.input_tokens = -5'],
    ['fractional', 10.5, 'gen_ai.usage.input_tokens = 10.5'],
    ['NaN', Number.NaN, 'gen_ai.usage.input_tokens = NaN'],
    ['non-numeric text', 'many', 'gen_ai.usage.input_tokens = "many"'],
    ['signed text', '-3', 'gen_ai.usage.input_tokens = "-3"'],
    ['decimal text', '12.0', 'gen_ai.usage.input_tokens = "12.0"'],
    ['empty text', '', 'gen_ai.usage.input_tokens = ""'],
    ['oversized text', '1234567890123456', 'gen_ai.usage.input_tokens = "1234567890123456"'],
    ['boolean', true, 'gen_ai.usage.input_tokens = true'],
    ['array', [1, 2], 'gen_ai.usage.input_tokens = an array'],
  ])('rejects a %s count, naming the attribute and value', (_what, value, named) => {
    const span = withAttributes('otel-instrumentation-openai-chat.json', { 'gen_ai.usage.input_tokens': value as AttrValue });
    const result = normalizeSpan(span, options);
    expect(result.kind).toBe('reject');
    if (result.kind !== 'reject') return;
    expect(result.reason).toBe('invalid_usage');
    expect(result.message).toBe(`span ${span.spanId} (chat gpt-4o-mini): token count ${named} is not a non-negative integer`);
  });

  it('rejects an invalid count under a deprecated key too', () => {
    const span = withAttributes('openllmetry-legacy-openai.json', { 'gen_ai.usage.completion_tokens': -1 });
    const result = normalizeSpan(span, options);
    expect(result).toMatchObject({ kind: 'reject', reason: 'invalid_usage' });
    expect(result.kind === 'reject' && result.message).toContain('gen_ai.usage.completion_tokens = -1');
  });

  it('rejects an invalid count inside AI SDK provider metadata, naming its path', () => {
    const span = withAttributes('vercel-ai-v4-anthropic.json', {
      'ai.response.providerMetadata': '{"anthropic":{"cacheCreationInputTokens":-500,"cacheReadInputTokens":2000}}',
    });
    const result = normalizeSpan(span, options);
    expect(result.kind === 'reject' && result.message).toContain('ai.response.providerMetadata.anthropic.cacheCreationInputTokens = -500');
  });

  it('rejects an invalid count inside Langfuse usage details', () => {
    const span = withAttributes('langfuse-openai.json', { 'langfuse.observation.usage_details': '{"input":"lots","output":3}' });
    const result = normalizeSpan(span, options);
    expect(result.kind === 'reject' && result.message).toContain('langfuse.observation.usage_details.input = "lots"');
  });

  it('ignores malformed provider metadata JSON: the span counts stay valid', () => {
    const span = withAttributes('vercel-ai-v5-anthropic.json', { 'ai.response.providerMetadata': '{"anthropic":{"cacheCreation' });
    const c = call(normalizeSpan(span, options));
    expect(c.usage).toEqual({ inputReported: 100, inputUncached: 100, cacheRead: 2000, cacheWrite: 0, output: 300, reasoning: 0 });
  });

  it('marks a model call without any token attribute as having no usage, not as a reject', () => {
    const span = withAttributes('otel-instrumentation-openai-chat.json', {
      'gen_ai.usage.input_tokens': undefined,
      'gen_ai.usage.output_tokens': undefined,
    });
    const c = call(normalizeSpan(span, options));
    expect(c.hasUsage).toBe(false);
    expect(c.inputIncludesCache).toBe(false);
    expect(c.usage).toEqual({ inputReported: 0, inputUncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 });
  });

  it('counts a call reporting only output as having usage', () => {
    const span = withAttributes('otel-instrumentation-openai-chat.json', { 'gen_ai.usage.input_tokens': undefined });
    const c = call(normalizeSpan(span, options));
    expect(c.hasUsage).toBe(true);
    expect(c.usage.output).toBe(200);
  });

  it('treats a null count (empty OTLP value) as absent', () => {
    const span = withAttributes('otel-instrumentation-openai-chat.json', { 'gen_ai.usage.input_tokens': null });
    const c = call(normalizeSpan(span, options));
    expect(c.usage.inputReported).toBe(0);
    expect(c.usage.output).toBe(200);
  });

  it('keeps reasoning inside output', () => {
    const span = withAttributes('otel-instrumentation-openai-chat.json', {
      'gen_ai.request.model': 'o4-mini',
      'gen_ai.usage.output_tokens': 900,
      'gen_ai.usage.reasoning.output_tokens': 640,
    });
    expect(call(normalizeSpan(span, options)).usage).toMatchObject({ output: 900, reasoning: 640 });
  });

  it('adds reasoning to output when an emitter reports more reasoning than output (it did not include it)', () => {
    const span = withAttributes('otel-instrumentation-openai-chat.json', {
      'gen_ai.usage.output_tokens': 100,
      'gen_ai.usage.reasoning_tokens': 640,
    });
    expect(call(normalizeSpan(span, options)).usage).toMatchObject({ output: 740, reasoning: 640 });
  });

  it('prefers the current key when deprecated and current keys disagree', () => {
    const span = withAttributes('otel-instrumentation-openai-chat.json', { 'gen_ai.usage.prompt_tokens': 5 });
    expect(call(normalizeSpan(span, options)).usage.inputReported).toBe(1000);
  });

  it('reads the new cache-write key and the older spellings alike', () => {
    for (const key of ['gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_write.input_tokens', 'gen_ai.usage.cache_creation_input_tokens']) {
      const span = withAttributes('anthropic-sdk-typescript.json', { 'gen_ai.usage.cache_write.input_tokens': undefined, [key]: 500 });
      expect(call(normalizeSpan(span, options)).usage.cacheWrite, key).toBe(500);
    }
  });
});

describe('usage key fallbacks', () => {
  it('reads gen_ai keys on an OpenInference span that has no llm.token_count keys', () => {
    const span = withAttributes('openinference-js-openai.json', {
      'llm.token_count.prompt': undefined,
      'llm.token_count.completion': undefined,
      'llm.token_count.total': undefined,
      'llm.token_count.prompt_details.cache_read': undefined,
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 200,
      'gen_ai.usage.cache_read.input_tokens': 300,
    });
    expect(call(normalizeSpan(span, options)).usage).toEqual({ inputReported: 1000, inputUncached: 700, cacheRead: 300, cacheWrite: 0, output: 200, reasoning: 0 });
  });

  it('reads AI SDK embedding counts (ai.usage.tokens)', () => {
    const span = withAttributes('vercel-ai-v5-openai.json', {
      'ai.operationId': 'ai.embedMany.doEmbed',
      'ai.usage.inputTokens': undefined,
      'ai.usage.outputTokens': undefined,
      'ai.usage.totalTokens': undefined,
      'ai.usage.cachedInputTokens': undefined,
      'ai.usage.reasoningTokens': undefined,
      'gen_ai.usage.input_tokens': undefined,
      'gen_ai.usage.output_tokens': undefined,
      'ai.usage.tokens': '42',
    });
    const c = call(normalizeSpan(span, options));
    expect(c.operation).toBe('embeddings');
    expect(c.usage).toEqual({ inputReported: 42, inputUncached: 42, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 });
  });
});

describe('JSON parsing stays off the hot path', () => {
  afterEach(() => vi.restoreAllMocks());

  it('never parses JSON for spans that are not AI SDK v4/v5 or Langfuse-only usage', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const spans = loadConventionFixtures()
      .filter((f) => !/vercel-ai-v[45]-anthropic|vercel-ai-v4-openai|langfuse/.test(f.file))
      .map((f) => f.span);
    parse.mockClear();
    for (const span of spans) normalizeSpan(span, options);
    expect(parse).not.toHaveBeenCalled();
  });

  it('parses AI SDK provider metadata only when it can hold a missing count', () => {
    const [v5OpenAi, v6Anthropic, v5Anthropic] = ['vercel-ai-v5-openai.json', 'vercel-ai-v6-anthropic.json', 'vercel-ai-v5-anthropic.json'].map(
      (file) => fixture(file).span,
    );
    const parse = vi.spyOn(JSON, 'parse');
    normalizeSpan(v5OpenAi!, options);
    normalizeSpan(v6Anthropic!, options);
    expect(parse).not.toHaveBeenCalled();
    normalizeSpan(v5Anthropic!, options);
    expect(parse).toHaveBeenCalledTimes(1);
  });
});
