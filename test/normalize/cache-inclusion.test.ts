import { describe, expect, it } from 'vitest';
import type { Attributes, DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import type { LlmCall, NormalizedSpan } from '../../exporter/src/model/llm-call.js';
import {
  BUILT_IN_CACHE_INCLUSION,
  defaultNormalizeOptions,
  normalizeSpan,
  validateNormalizeOptions,
  type NormalizeOptions,
} from '../../exporter/src/normalize/index.js';
import { fixture } from './convention-fixtures.js';

/** Anthropic-shaped counts where the cache is smaller than the raw input, so only the rule (not the sanity check) decides. */
const RAW_INPUT = 3000;
const CACHE_READ = 2000;
const CACHE_WRITE = 500;

function call(result: NormalizedSpan): LlmCall {
  if (result.kind !== 'llm') throw new Error(`expected llm, got ${JSON.stringify(result)}`);
  return result.call;
}

function withAttributes(file: string, changes: Attributes, scope?: { name: string; version: string }): DecodedSpan {
  const span = fixture(file).span;
  return {
    ...span,
    attributes: { ...span.attributes, ...changes },
    scopeName: scope?.name ?? span.scopeName,
    scopeVersion: scope?.version ?? span.scopeVersion,
  };
}

/** A GenAI chat span from `scope` reporting 3000 input, 2000 cache read, 500 cache write. */
function genAiSpan(scopeName: string, scopeVersion: string, provider = 'anthropic'): DecodedSpan {
  return withAttributes(
    'anthropic-sdk-typescript.json',
    {
      'gen_ai.provider.name': provider,
      'gen_ai.usage.input_tokens': RAW_INPUT,
      'gen_ai.usage.cache_read.input_tokens': CACHE_READ,
      'gen_ai.usage.cache_write.input_tokens': CACHE_WRITE,
    },
    { name: scopeName, version: scopeVersion },
  );
}

function uncached(span: DecodedSpan, options: NormalizeOptions = defaultNormalizeOptions()): { inputUncached: number; inputIncludesCache: boolean } {
  const c = call(normalizeSpan(span, options));
  return { inputUncached: c.usage.inputUncached, inputIncludesCache: c.inputIncludesCache };
}

const INCLUDED = { inputUncached: RAW_INPUT - CACHE_READ - CACHE_WRITE, inputIncludesCache: true };
const EXCLUDED = { inputUncached: RAW_INPUT, inputIncludesCache: false };

describe('cache inclusion per emitter', () => {
  it.each([
    ['com.anthropic.sdk.typescript', '1.2.0', INCLUDED],
    ['opentelemetry.instrumentation.anthropic', '0.40.7', INCLUDED],
    ['openinference.instrumentation.anthropic', '0.1.19', INCLUDED],
    ['@traceloop/instrumentation-anthropic', '0.27.0', EXCLUDED],
    ['@traceloop/instrumentation-anthropic', '0.20.1', EXCLUDED],
    ['@traceloop/instrumentation-anthropic', '0.27.1', INCLUDED],
    ['@traceloop/instrumentation-anthropic', '0.28.0-beta.1', INCLUDED],
    ['@traceloop/instrumentation-anthropic', '', INCLUDED],
    ['@traceloop/instrumentation-bedrock', '0.26.0', EXCLUDED],
    ['@arizeai/openinference-instrumentation-anthropic', '0.1.12', EXCLUDED],
    ['@openlit/instrumentation-anthropic', '1.0.0', EXCLUDED],
    ['openlit.otel.tracing', '1.34.0', EXCLUDED],
    ['some-unknown-emitter', '9.9.9', INCLUDED],
  ])('%s %s', (scope, version, expected) => {
    expect(uncached(genAiSpan(scope, version))).toEqual(expected);
  });

  it('limits the OpenLIT rule to Anthropic: OpenLIT OpenAI counts include cache', () => {
    expect(uncached(genAiSpan('@openlit/instrumentation-openai', '1.0.0', 'openai'))).toEqual(INCLUDED);
  });

  it('treats AI SDK v5 Anthropic input as uncached and v6 input as including cache', () => {
    const v5 = withAttributes('vercel-ai-v5-anthropic.json', { 'ai.usage.inputTokens': RAW_INPUT, 'ai.usage.cachedInputTokens': CACHE_READ });
    expect(call(normalizeSpan(v5, defaultNormalizeOptions())).usage).toEqual({
      inputReported: RAW_INPUT,
      inputUncached: RAW_INPUT,
      cacheRead: CACHE_READ,
      cacheWrite: CACHE_WRITE,
      output: 300,
      reasoning: 0,
    });
    const v6 = withAttributes('vercel-ai-v6-anthropic.json', {
      'ai.usage.inputTokens': RAW_INPUT,
      'ai.usage.inputTokenDetails.noCacheTokens': 500,
    });
    expect(uncached(v6)).toEqual(INCLUDED);
  });

  it('treats AI SDK v5 OpenAI input as including cache (OpenAI counts cached tokens in prompt_tokens)', () => {
    expect(uncached(fixture('vercel-ai-v5-openai.json').span)).toEqual({ inputUncached: 700, inputIncludesCache: true });
  });

  it('keeps Langfuse usage types disjoint', () => {
    const span = withAttributes('langfuse-openai.json', {
      'langfuse.observation.usage_details': JSON.stringify({ input: 3000, output: 10, input_cache_read: 2000, input_cache_creation: 500 }),
    });
    expect(uncached(span)).toEqual(EXCLUDED);
  });
});

describe('the sanity rule', () => {
  it('treats input as uncached when cache reads and writes exceed it, whatever the table says', () => {
    const span = withAttributes('anthropic-sdk-typescript.json', { 'gen_ai.usage.input_tokens': 100 });
    const c = call(normalizeSpan(span, defaultNormalizeOptions()));
    expect(c.usage).toEqual({ inputReported: 100, inputUncached: 100, cacheRead: 2000, cacheWrite: 500, output: 300, reasoning: 0 });
    expect(c.inputIncludesCache).toBe(false);
  });

  it('keeps the inclusion when cache equals the input exactly', () => {
    const span = withAttributes('anthropic-sdk-typescript.json', { 'gen_ai.usage.input_tokens': 2500 });
    expect(uncached(span)).toEqual({ inputUncached: 0, inputIncludesCache: true });
  });
});

describe('cacheInclusion overrides in the options', () => {
  it('applies a rule for a scope the table does not know', () => {
    const options = defaultNormalizeOptions();
    options.cacheInclusion = [{ scope: 'my-scope', includesCache: false }];
    expect(uncached(genAiSpan('my-scope', '1.0.0'), options)).toEqual(EXCLUDED);
    expect(uncached(genAiSpan('my-scope-2', '1.0.0'), options)).toEqual(INCLUDED);
  });

  it('wins over the built-in table', () => {
    const options = defaultNormalizeOptions();
    options.cacheInclusion = [{ scope: 'com.anthropic.sdk.typescript', includesCache: false }];
    expect(uncached(genAiSpan('com.anthropic.sdk.typescript', '1.2.0'), options)).toEqual(EXCLUDED);
  });

  it('matches scope prefixes, version ranges and providers as emitters write them', () => {
    const options = defaultNormalizeOptions();
    options.cacheInclusion = [{ scope: 'acme-llm/*', versionAtLeast: '2.0.0', versionAtMost: '2.4', provider: 'Anthropic', includesCache: false }];
    expect(uncached(genAiSpan('acme-llm/anthropic', '2.3.9'), options)).toEqual(EXCLUDED);
    expect(uncached(genAiSpan('acme-llm/anthropic', '2.5.0'), options)).toEqual(INCLUDED);
    expect(uncached(genAiSpan('acme-llm/anthropic', '1.9.0'), options)).toEqual(INCLUDED);
    expect(uncached(genAiSpan('acme-llm/openai', '2.3.9', 'openai'), options)).toEqual(INCLUDED);
  });

  it('can be prepended to the defaults the way the service configuration does', () => {
    const options = defaultNormalizeOptions();
    options.cacheInclusion = [{ scope: 'x', includesCache: false }, ...options.cacheInclusion];
    expect(uncached(genAiSpan('x', '1'), options)).toEqual(EXCLUDED);
    // the built-in table still applies after the overrides
    expect(uncached(genAiSpan('@openlit/instrumentation-anthropic', '1.0.0'), options)).toEqual(EXCLUDED);
  });
});

describe('validateNormalizeOptions', () => {
  it('accepts the defaults and the built-in table', () => {
    const options = defaultNormalizeOptions();
    options.cacheInclusion = [...BUILT_IN_CACHE_INCLUSION];
    expect(validateNormalizeOptions(options)).toEqual([]);
  });

  it('lists every problem at once', () => {
    const options = defaultNormalizeOptions();
    options.maxStoredAttributes = -1;
    options.aliases['pnl.customr.id'] = ['tenant.id'];
    options.cacheInclusion = [
      { scope: 'a' } as unknown as NormalizeOptions['cacheInclusion'][number],
      { scope: 'b', usageDialect: 'ai-sdk-v9', includesCache: true } as unknown as NormalizeOptions['cacheInclusion'][number],
    ];
    const problems = validateNormalizeOptions(options);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toContain('maxStoredAttributes');
    expect(problems[1]).toContain('pnl.customr.id');
    expect(problems[2]).toBe('cacheInclusion[0] needs a boolean includesCache');
    expect(problems[3]).toContain('cacheInclusion[1].usageDialect');
  });

  it('makes normalizeSpan throw on invalid options instead of guessing', () => {
    const options = defaultNormalizeOptions();
    options.maxStoredValueLength = 0;
    expect(() => normalizeSpan(fixture('anthropic-sdk-typescript.json').span, options)).toThrow(/maxStoredValueLength/);
  });
});
