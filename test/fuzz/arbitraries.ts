import fc from 'fast-check';
import type { FuzzAnyValue, FuzzKeyValue, FuzzRequest, FuzzResourceSpans, FuzzScopeSpans, FuzzSpan } from './otlp-model.js';

/*
 * fast-check arbitraries for valid OTLP trace requests: ids, times, names and attributes of
 * every AnyValue kind (nested arrays and kvlists), GenAI / OpenLLMetry / OpenInference / AI SDK /
 * Langfuse attributes with right and wrong types, and the keys that trip up JavaScript objects.
 * "Valid" means well-formed OTLP: the values may still be nonsense for the P&L (negative token
 * counts, times in 2200), which the pipeline must reject or store, never crash on.
 */

/** Strings of every kind: ASCII, any code point, lone surrogates (invalid in UTF-8), control characters. */
export const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '\u0000', '%00', "'; DROP TABLE pnl.llm_calls; --", '{customer:String}', '../../etc/passwd', '\u202e', '🦄'.repeat(3)) },
);

/** Keys that JavaScript objects treat specially. */
export const TRICKY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', ''];

const GENAI_KEYS = [
  'gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.system', 'gen_ai.request.model', 'gen_ai.response.model',
  'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.usage.prompt_tokens', 'gen_ai.usage.completion_tokens',
  'gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_read_input_tokens',
  'gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens', 'gen_ai.agent.name', 'gen_ai.conversation.id',
  'gen_ai.openai.response.service_tier', 'gen_ai.request.max_tokens', 'gen_ai.usage.cost',
  'pnl.customer.id', 'pnl.customer.tier', 'pnl.feature.id', 'pnl.organization.id', 'pnl.product.id', 'pnl.environment',
  'pnl.task.type', 'pnl.session.id', 'pnl.user.id', 'pnl.run.id', 'pnl.attempt', 'pnl.attempt.reason', 'pnl.run.outcome',
  'pnl.outcome.name', 'pnl.outcome.value', 'pnl.custom.plan', 'pnl.custom.region', 'pnl.service_tier', 'pnl.request.id',
  'llm.request.type', 'llm.usage.prompt_tokens', 'llm.usage.completion_tokens', 'llm.model_name', 'llm.provider', 'llm.system',
  'llm.token_count.prompt', 'llm.token_count.completion', 'llm.token_count.prompt_details.cache_read', 'openinference.span.kind',
  'ai.operationId', 'ai.model.id', 'ai.model.provider', 'ai.usage.promptTokens', 'ai.usage.completionTokens', 'ai.usage.inputTokens',
  'ai.usage.outputTokens', 'ai.usage.cachedInputTokens', 'ai.response.providerMetadata', 'ai.telemetry.metadata.customerId',
  'langfuse.observation.type', 'langfuse.observation.model.name', 'langfuse.observation.usage_details', 'langfuse.trace.metadata.customer_id',
  'traceloop.span.kind', 'traceloop.association.properties.customer_id', 'error.type', 'server.address', 'service.name',
  'deployment.environment.name', 'gen_ai.input.messages', 'llm.input_messages',
];

const GENAI_TEXT = [
  'chat', 'text_completion', 'generate_content', 'embeddings', 'completion', 'embedding', 'invoke_agent', 'invoke_workflow', 'execute_tool',
  'openai', 'anthropic', 'aws.bedrock', 'azure.ai.openai', 'gcp.vertex_ai', 'google', 'x-ai', 'acme-ai',
  'gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet-20241022', 'gemini-1.5-pro', 'o1', 'mystery-9000',
  'LLM', 'EMBEDDING', 'AGENT', 'CHAIN', 'TOOL', 'ai.generateText.doGenerate', 'ai.streamText.doStream', 'ai.embed.doEmbed', 'ai.generateText',
  'generation', 'agent', 'retry', 'escalation', 'fallback', 'reexecution', 'success', 'failure', 'cust_acme', 'feat_chat',
];

/** JSON text that the normalizer parses (provider metadata, Langfuse usage details), right and wrong. */
const JSON_ATTRIBUTE_TEXT = [
  '{"anthropic":{"cacheCreationInputTokens":10,"cacheReadInputTokens":5}}',
  '{"openai":{"cachedPromptTokens":-3,"reasoningTokens":"x"}}',
  '{"bedrock":{"usage":{"cacheReadInputTokens":1e400}}}',
  '{"input":10,"output":5,"cache_read_input_tokens":2}',
  '{"input":"12","output":1.5}',
  '{"__proto__":{"input":1},"constructor":{"prototype":1}}',
  '[1,2,3]', 'null', '"str"', '{', '{"input":', `${'['.repeat(5000)}${']'.repeat(5000)}`,
];

/** Token counts and other numbers as senders get them wrong. */
const numberArb: fc.Arbitrary<FuzzAnyValue> = fc.oneof(
  fc.integer({ min: 0, max: 100_000 }).map((n) => ({ int: BigInt(n) })),
  fc.constantFrom(-1n, -5n, 0n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 7n, 65_535n, 65_536n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)).map((n) => ({ int: n })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => ({ int: n })),
  fc.constantFrom(2.5, -0, 1e300, 1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324).map((d) => ({ double: d })),
  fc.double().map((d) => ({ double: d })),
  fc.constantFrom('123', '0', '-5', '', '1e3', '0x10', ' 12', '12abc', '9'.repeat(400), '1e400', '4294967296', '65536').map((s) => ({ string: s })),
);

const scalarArb: fc.Arbitrary<FuzzAnyValue> = fc.oneof(
  { weight: 4, arbitrary: textArb.map((s) => ({ string: s })) },
  { weight: 2, arbitrary: fc.constantFrom(...GENAI_TEXT).map((s) => ({ string: s })) },
  { weight: 1, arbitrary: fc.boolean().map((b) => ({ bool: b })) },
  { weight: 3, arbitrary: numberArb },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map((b) => ({ bytes: b })) },
  { weight: 1, arbitrary: fc.constant({ empty: true as const }) },
  { weight: 1, arbitrary: fc.constantFrom(...JSON_ATTRIBUTE_TEXT).map((s) => ({ string: s })) },
);

const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...GENAI_KEYS) },
  { weight: 2, arbitrary: textArb },
  { weight: 1, arbitrary: fc.constantFrom(...TRICKY_KEYS) },
);

/** AnyValues nested up to 4 levels (the depth limit is probed by deep-values.ts). */
export const anyValueArb: fc.Arbitrary<FuzzAnyValue> = fc.letrec<{ value: FuzzAnyValue; kv: FuzzKeyValue }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthSize: 'small' },
    { weight: 6, arbitrary: scalarArb },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }).map((array) => ({ array })) },
    { weight: 1, arbitrary: fc.array(tie('kv'), { maxLength: 4 }).map((kvlist) => ({ kvlist })) },
  ),
  kv: fc.record({ key: keyArb, value: fc.option(tie('value'), { nil: undefined, freq: 10 }) }),
})).value;

export const keyValueArb: fc.Arbitrary<FuzzKeyValue> = fc.record({ key: keyArb, value: fc.option(anyValueArb, { nil: undefined, freq: 10 }) });

/** Keys whose numbers end up in numeric columns: where out-of-range values do harm. */
const NUMERIC_KEYS = [
  'pnl.attempt', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.reasoning.output_tokens', 'pnl.outcome.value', 'llm.token_count.prompt', 'ai.usage.promptTokens',
];

/** A GenAI-looking attribute set: an operation, a model, usage counts (right or wrong), attribution. */
export const genAiAttributesArb: fc.Arbitrary<FuzzKeyValue[]> = fc
  .tuple(
    fc.constantFrom('gen_ai.operation.name', 'llm.request.type', 'openinference.span.kind', 'ai.operationId', 'langfuse.observation.type'),
    fc.constantFrom(...GENAI_TEXT),
    fc.subarray(GENAI_KEYS, { maxLength: 14 }),
    fc.array(scalarArb, { minLength: 14, maxLength: 14 }),
    fc.subarray(NUMERIC_KEYS, { maxLength: 4 }),
    fc.array(numberArb, { minLength: 4, maxLength: 4 }),
    fc.array(keyValueArb, { maxLength: 4 }),
  )
  .map(([opKey, op, keys, values, numericKeys, numbers, extra]) => [
    { key: opKey, value: { string: op } },
    ...keys.map((key, i) => ({ key, value: values[i] })),
    ...numericKeys.map((key, i) => ({ key, value: numbers[i] })),
    ...extra,
  ]);

const NS_2020 = 1_577_836_800_000_000_000n;
const NS_2030 = 1_893_456_000_000_000_000n;

const timesArb: fc.Arbitrary<[bigint, bigint]> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.bigInt({ min: NS_2020, max: NS_2030 }), fc.bigInt({ min: 0n, max: 10n ** 11n })).map(([s, d]): [bigint, bigint] => [s, s + d]) },
  { weight: 1, arbitrary: fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })) },
  // Valid ranges in the far future: year 2200 (past ClickHouse's Date), 2262 (int64 ns), 2300, and the u64 maximum.
  { weight: 1, arbitrary: fc.constantFrom(7_258_118_400_000_000_000n, 9_223_372_036_854_775_807n, 10_413_792_000_000_000_000n, 2n ** 64n - 1n).map((s): [bigint, bigint] => [s, s]) },
  { weight: 1, arbitrary: fc.constantFrom<[bigint, bigint]>([0n, 0n], [1000n, 999n], [NS_2030, NS_2020], [999n, 1999n]) },
);

const idArb = (bytes: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.uint8Array({ minLength: bytes, maxLength: bytes }) },
    { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(0), new Uint8Array(bytes)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  );

export const spanArb = (attributes: fc.Arbitrary<FuzzKeyValue[]>): fc.Arbitrary<FuzzSpan> =>
  fc
    .record({
      traceId: idArb(16),
      spanId: idArb(8),
      parentSpanId: fc.oneof(fc.constant(new Uint8Array(0)), idArb(8)),
      name: fc.oneof(textArb, fc.constantFrom('chat gpt-4o', 'invoke_agent planner', 'anthropic.messages.create')),
      kind: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 31 - 1 }) }),
      times: timesArb,
      attributes,
      events: fc.array(fc.oneof(textArb, fc.constant('exception')), { maxLength: 3 }),
      status: fc.option(fc.record({ code: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })), message: textArb }), { nil: undefined }),
    })
    .map(({ times, ...s }) => ({ ...s, startNanos: times[0], endNanos: times[1] }));

/** Attributes for any span: mostly GenAI-looking, sometimes arbitrary. */
export const spanAttributesArb: fc.Arbitrary<FuzzKeyValue[]> = fc.oneof(
  { weight: 3, arbitrary: genAiAttributesArb },
  { weight: 2, arbitrary: fc.array(keyValueArb, { maxLength: 8 }) },
);

export const requestArb = (attributes: fc.Arbitrary<FuzzKeyValue[]> = spanAttributesArb): fc.Arbitrary<FuzzRequest> => {
  const scopeSpans: fc.Arbitrary<FuzzScopeSpans> = fc.record({
    scope: fc.option(fc.record({ name: textArb, version: textArb }), { nil: undefined }),
    spans: fc.array(spanArb(attributes), { maxLength: 4 }),
  });
  const resourceSpans: fc.Arbitrary<FuzzResourceSpans> = fc.record({
    resource: fc.option(fc.array(keyValueArb, { maxLength: 4 }), { nil: undefined }),
    scopeSpans: fc.array(scopeSpans, { maxLength: 3 }),
  });
  return fc.record({ resourceSpans: fc.array(resourceSpans, { maxLength: 3 }) });
};
