import { describe, expect, it } from 'vitest';
import type { Attributes, DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import { defaultNormalizeOptions, normalizeSpan } from '../../exporter/src/normalize/index.js';

const options = defaultNormalizeOptions();

function span(name: string, attributes: Attributes, scopeName = 'test-scope'): DecodedSpan {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    parentSpanId: '',
    name,
    kind: 1,
    startTimeUs: 1_763_900_000_000_000,
    endTimeUs: 1_763_900_000_500_000,
    statusCode: 0,
    statusMessage: '',
    attributes,
    resource: { 'service.name': 'svc' },
    scopeName,
    scopeVersion: '1.0.0',
    eventNames: [],
  };
}

const USAGE = { 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 };

describe('which spans are priced', () => {
  it.each([
    ['OTel chat', span('chat gpt-4o', { 'gen_ai.operation.name': 'chat', ...USAGE }), 'llm'],
    ['OTel text_completion', span('text_completion x', { 'gen_ai.operation.name': 'text_completion', ...USAGE }), 'llm'],
    ['OTel generate_content', span('generate_content gemini', { 'gen_ai.operation.name': 'generate_content', ...USAGE }), 'llm'],
    ['OTel embeddings', span('embeddings text-embedding-3-small', { 'gen_ai.operation.name': 'embeddings', 'gen_ai.usage.input_tokens': 8 }), 'llm'],
    ['OTel invoke_agent with summed usage', span('invoke_agent a', { 'gen_ai.operation.name': 'invoke_agent', ...USAGE }), 'run'],
    ['OTel invoke_workflow with summed usage', span('invoke_workflow w', { 'gen_ai.operation.name': 'invoke_workflow', ...USAGE }), 'run'],
    ['OTel create_agent', span('create_agent a', { 'gen_ai.operation.name': 'create_agent' }), 'ignore'],
    ['OTel execute_tool', span('execute_tool t', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 't' }), 'ignore'],
    ['OTel retrieval', span('retrieval db', { 'gen_ai.operation.name': 'retrieval' }), 'ignore'],
    ['span named invoke_agent without an operation', span('invoke_agent planner', { ...USAGE }), 'run'],
    ['AI SDK generateText root with usage', span('ai.generateText', { 'ai.operationId': 'ai.generateText', 'ai.usage.inputTokens': 100 }), 'ignore'],
    ['AI SDK streamText root with usage', span('ai.streamText', { 'ai.operationId': 'ai.streamText', 'ai.usage.inputTokens': 100 }), 'ignore'],
    ['AI SDK generateObject root', span('ai.generateObject', { 'ai.operationId': 'ai.generateObject', 'ai.usage.inputTokens': 100 }), 'ignore'],
    ['AI SDK embedMany root', span('ai.embedMany', { 'ai.operationId': 'ai.embedMany', 'ai.usage.tokens': 30 }), 'ignore'],
    ['AI SDK doGenerate', span('ai.generateText.doGenerate', { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.usage.inputTokens': 1 }), 'llm'],
    ['AI SDK doStream', span('ai.streamObject.doStream', { 'ai.operationId': 'ai.streamObject.doStream', 'ai.usage.inputTokens': 1 }), 'llm'],
    ['AI SDK doEmbed', span('ai.embedMany.doEmbed', { 'ai.operationId': 'ai.embedMany.doEmbed', 'ai.usage.tokens': 10 }), 'llm'],
    ['AI SDK tool call', span('ai.toolCall', { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'lookup' }), 'ignore'],
    ['OpenInference LLM', span('ChatOpenAI', { 'openinference.span.kind': 'LLM', 'llm.token_count.prompt': 1 }), 'llm'],
    ['OpenInference EMBEDDING', span('Embeddings', { 'openinference.span.kind': 'EMBEDDING', 'llm.token_count.prompt': 1 }), 'llm'],
    ['OpenInference AGENT', span('Agent', { 'openinference.span.kind': 'AGENT' }), 'run'],
    ['OpenInference CHAIN with tokens', span('Chain', { 'openinference.span.kind': 'CHAIN', 'llm.token_count.prompt': 1 }), 'ignore'],
    ['OpenInference TOOL', span('Tool', { 'openinference.span.kind': 'TOOL' }), 'ignore'],
    ['OpenLLMetry legacy chat', span('openai.chat', { 'llm.request.type': 'chat', ...USAGE }), 'llm'],
    ['OpenLLMetry legacy completion', span('bedrock.completion', { 'llm.request.type': 'completion', ...USAGE }), 'llm'],
    ['OpenLLMetry legacy rerank', span('cohere.rerank', { 'llm.request.type': 'rerank' }), 'ignore'],
    ['OpenLLMetry agent', span('a.agent', { 'traceloop.span.kind': 'agent' }), 'run'],
    ['OpenLLMetry workflow', span('w.workflow', { 'traceloop.span.kind': 'workflow', ...USAGE }), 'ignore'],
    ['OpenLLMetry task', span('t.task', { 'traceloop.span.kind': 'task' }), 'ignore'],
    ['Langfuse generation', span('gen', { 'langfuse.observation.type': 'generation' }), 'llm'],
    ['Langfuse embedding', span('emb', { 'langfuse.observation.type': 'embedding' }), 'llm'],
    ['Langfuse agent', span('agent', { 'langfuse.observation.type': 'agent' }), 'run'],
    ['Langfuse span', span('work', { 'langfuse.observation.type': 'span' }), 'ignore'],
    ['Anthropic SDK span without operation name', span('anthropic.messages.create', { ...USAGE }, 'com.anthropic.sdk.typescript'), 'llm'],
    ['our run marker', span('handle-ticket', { 'pnl.run.id': 'run_1', 'pnl.run.outcome': 'failure' }), 'run'],
    ['run id alone (copied from baggage onto every span)', span('GET /x', { 'pnl.run.id': 'run_1', 'pnl.customer.id': 'c' }), 'ignore'],
    ['HTTP server span', span('GET /api/tickets', { 'http.request.method': 'GET', 'http.response.status_code': 200 }), 'ignore'],
    ['gen_ai keys without an operation name', span('custom', { 'gen_ai.system': 'openai', ...USAGE }), 'ignore'],
  ])('%s -> %s', (_label, s, kind) => {
    expect(normalizeSpan(s, options).kind).toBe(kind);
  });

  it('prefers the model-call reading over a run marker on the same span', () => {
    const s = span('chat gpt-4o', { 'gen_ai.operation.name': 'chat', 'pnl.run.id': 'r', 'pnl.run.outcome': 'success', ...USAGE });
    expect(normalizeSpan(s, options).kind).toBe('llm');
  });

  it('rejects a priced span whose time range is missing or inverted', () => {
    const s = { ...span('chat gpt-4o', { 'gen_ai.operation.name': 'chat', ...USAGE }), endTimeUs: 1_763_899_999_000_000 };
    expect(normalizeSpan(s, options)).toEqual({
      kind: 'reject',
      reason: 'invalid_time',
      message: 'span 00f067aa0ba902b7: start 1763900000000000 µs / end 1763899999000000 µs is not a valid time range',
    });
    expect(normalizeSpan({ ...s, startTimeUs: 0, endTimeUs: 0 }, options).kind).toBe('reject');
  });

  it('does not check the times of spans it ignores', () => {
    const s = { ...span('GET /', {}), startTimeUs: 0, endTimeUs: 0 };
    expect(normalizeSpan(s, options)).toEqual({ kind: 'ignore' });
  });
});

describe('operation names', () => {
  it.each([
    [span('openai.chat', { 'llm.request.type': 'completion', ...USAGE }), 'text_completion'],
    [span('x', { 'gen_ai.operation.name': 'embedding', 'gen_ai.usage.input_tokens': 3 }), 'embeddings'],
    [span('ai.embed.doEmbed', { 'ai.operationId': 'ai.embed.doEmbed', 'ai.usage.tokens': 3 }), 'embeddings'],
    [span('Embeddings', { 'openinference.span.kind': 'EMBEDDING', 'llm.token_count.prompt': 3 }), 'embeddings'],
    [span('gen', { 'langfuse.observation.type': 'embedding' }), 'embeddings'],
    [span('ai.generateText.doGenerate', { 'ai.operationId': 'ai.generateText.doGenerate' }), 'chat'],
  ])('%#: %s', (s, operation) => {
    const result = normalizeSpan(s, options);
    expect(result.kind === 'llm' && result.call.operation).toBe(operation);
  });
});

describe('business outcomes', () => {
  it('reads an outcome span from recordOutcome as an outcome with its attribution', () => {
    const n = normalizeSpan(
      span('outcome ticket.resolved', { 'pnl.outcome.name': 'ticket.resolved', 'pnl.outcome.value': 2.5, 'pnl.customer.id': 'cust_a', 'pnl.feature.id': 'triage', 'pnl.run.id': 'r1' }),
      options,
    );
    expect(n).toEqual({
      kind: 'outcome',
      outcome: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', runId: 'r1', customerId: 'cust_a', featureId: 'triage', atUs: 1_763_900_000_000_000, name: 'ticket.resolved', value: 2.5 },
    });
  });

  it('keeps a run span that names its outcome a run, and a model call with an outcome key a model call', () => {
    expect(normalizeSpan(span('invoke_agent triage', { 'gen_ai.operation.name': 'invoke_agent', 'pnl.outcome.name': 'x' }), options).kind).toBe('run');
    expect(normalizeSpan(span('chat gpt-4o', { 'gen_ai.operation.name': 'chat', 'pnl.outcome.name': 'x', ...USAGE }), options).kind).toBe('llm');
  });
});
