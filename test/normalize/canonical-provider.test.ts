import { findProvider } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import type { Attributes, DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import { canonicalProvider, defaultNormalizeOptions, normalizeSpan, providerFromModel } from '../../exporter/src/normalize/index.js';

const MAPPINGS: ReadonlyArray<readonly [string, string]> = [
  ['openai', 'openai'],
  ['OpenAI', 'openai'],
  ['openai.chat', 'openai'],
  ['openai.responses', 'openai'],
  ['anthropic', 'anthropic'],
  ['Anthropic', 'anthropic'],
  ['anthropic.messages', 'anthropic'],
  ['aws.bedrock', 'aws'],
  ['AWS', 'aws'],
  ['bedrock', 'aws'],
  ['amazon-bedrock', 'aws'],
  ['gcp.vertex_ai', 'google'],
  ['vertex_ai', 'google'],
  ['VertexAI', 'google'],
  ['gcp.gemini', 'google'],
  ['gemini', 'google'],
  ['gcp.gen_ai', 'google'],
  ['google.generative-ai', 'google'],
  ['google.vertex.chat', 'google'],
  ['vertex.anthropic.messages', 'google'],
  ['azure.ai.openai', 'azure'],
  ['az.ai.openai', 'azure'],
  ['az.ai.inference', 'azure'],
  ['azure.ai.inference', 'azure'],
  ['azure-openai.chat', 'azure'],
  ['Azure', 'azure'],
  ['x_ai', 'x-ai'],
  ['xai', 'x-ai'],
  ['xai.chat', 'x-ai'],
  ['mistral_ai', 'mistral'],
  ['MistralAI', 'mistral'],
  ['mistral.chat', 'mistral'],
  ['groq', 'groq'],
  ['groq.chat', 'groq'],
  ['deepseek', 'deepseek'],
  ['deepseek.chat', 'deepseek'],
  ['cohere', 'cohere'],
  ['Cohere', 'cohere'],
  ['cohere.chat', 'cohere'],
  ['perplexity', 'perplexity'],
  ['together_ai', 'together'],
  ['fireworks_ai', 'fireworks'],
  ['openrouter', 'openrouter'],
  ['moonshot', 'moonshotai'],
];

describe('canonical provider ids', () => {
  it.each(MAPPINGS)('%s -> %s', (raw, id) => {
    expect(canonicalProvider(raw)).toBe(id);
  });

  it('produces only ids the price catalog (@pydantic/genai-prices) knows', () => {
    for (const id of new Set(MAPPINGS.map(([, id]) => id))) {
      expect(findProvider({ providerId: id })?.id, id).toBe(id);
    }
  });

  it('passes unknown providers through lowercased', () => {
    expect(canonicalProvider('Ollama')).toBe('ollama');
    expect(canonicalProvider('ibm.watsonx.ai')).toBe('ibm.watsonx.ai');
    expect(canonicalProvider('')).toBe('');
  });

  it.each([
    ['gpt-4o-mini', 'openai'],
    ['chatgpt-4o-latest', 'openai'],
    ['o1', 'openai'],
    ['o3-mini', 'openai'],
    ['o4-mini-2025-04-16', 'openai'],
    ['text-embedding-3-small', 'openai'],
    ['claude-sonnet-4-20250514', 'anthropic'],
    ['gemini-2.5-flash', 'google'],
    ['o100-large', ''],
    ['olmo-2', ''],
    ['llama-3.1-70b', ''],
  ])('guesses %s -> "%s" from the model name', (model, id) => {
    expect(providerFromModel(model)).toBe(id);
  });
});

describe('provider on a normalized call', () => {
  function chat(attributes: Attributes): DecodedSpan {
    return {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      parentSpanId: '',
      name: 'chat',
      kind: 3,
      startTimeUs: 1_763_900_000_000_000,
      endTimeUs: 1_763_900_000_100_000,
      statusCode: 0,
      statusMessage: '',
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 1, ...attributes },
      resource: {},
      scopeName: 's',
      scopeVersion: '',
      eventNames: [],
    };
  }
  const options = defaultNormalizeOptions();
  const provider = (attributes: Attributes): string => {
    const result = normalizeSpan(chat(attributes), options);
    return result.kind === 'llm' ? result.call.provider : `(${result.kind})`;
  };

  it('prefers gen_ai.provider.name over the deprecated gen_ai.system', () => {
    expect(provider({ 'gen_ai.provider.name': 'azure.ai.openai', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o' })).toBe('azure');
  });

  it('falls back to the model name only when no provider is named', () => {
    expect(provider({ 'gen_ai.request.model': 'claude-3-5-haiku-latest' })).toBe('anthropic');
    expect(provider({ 'gen_ai.system': 'aws.bedrock', 'gen_ai.request.model': 'claude-3-5-haiku' })).toBe('aws');
    expect(provider({ 'gen_ai.request.model': 'mystery-9000' })).toBe('');
  });
});
