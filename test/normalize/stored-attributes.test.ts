import { describe, expect, it } from 'vitest';
import type { Attributes, DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import type { LlmCall, NormalizedSpan } from '../../exporter/src/model/llm-call.js';
import { defaultNormalizeOptions, normalizeSpan, type NormalizeOptions } from '../../exporter/src/normalize/index.js';
import { decodedChatSpan } from '../helpers/decoded-chat-span.js';

const chat = decodedChatSpan;

function call(result: NormalizedSpan): LlmCall {
  if (result.kind !== 'llm') throw new Error(`expected llm, got ${JSON.stringify(result)}`);
  return result.call;
}

const stored = (attributes: Attributes, options: NormalizeOptions = defaultNormalizeOptions()): Record<string, string> =>
  call(normalizeSpan(chat(attributes), options)).attributes;

/** A content key of every convention, each carrying text that must never be stored. */
const CONTENT: Attributes = {
  'gen_ai.prompt.0.content': 'secret prompt',
  'gen_ai.completion.0.content': 'secret completion',
  'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"secret"}]}]',
  'gen_ai.output.messages': '[{"role":"assistant"}]',
  'gen_ai.system_instructions': 'secret system',
  'gen_ai.tool.call.arguments': '{"q":"secret"}',
  'gen_ai.tool.call.result': 'secret',
  'llm.input_messages.0.message.content': 'secret',
  'llm.output_messages.0.message.content': 'secret',
  'llm.invocation_parameters': '{"system":"secret"}',
  'input.value': 'secret',
  'output.value': 'secret',
  'ai.prompt': 'secret',
  'ai.prompt.messages': 'secret',
  'ai.response.text': 'secret',
  'ai.response.toolCalls': 'secret',
  'ai.response.object': 'secret',
  'langfuse.observation.input': 'secret',
  'langfuse.observation.output': 'secret',
  'traceloop.entity.input': 'secret',
  'traceloop.entity.output': 'secret',
};

describe('stored attributes', () => {
  it('keeps allowlisted request and response attributes, stringified', () => {
    expect(
      stored({
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.max_tokens': 512,
        'gen_ai.response.finish_reasons': ['stop', 'length'],
        'gen_ai.response.id': 'chatcmpl-1',
        'server.address': 'api.openai.com',
        'server.port': 443,
        'gen_ai.agent.id': 'agt_1',
        'gen_ai.tool.name': 'lookup',
        'openai.response.service_tier': 'flex',
        'http.request.method': 'POST',
        'pnl.customer.id': 'cust_1',
        'pnl.request.id': 'req_1',
      }),
    ).toEqual({
      'gen_ai.request.temperature': '0.2',
      'gen_ai.request.max_tokens': '512',
      'gen_ai.response.finish_reasons': 'stop,length',
      'gen_ai.response.id': 'chatcmpl-1',
      'server.address': 'api.openai.com',
      'server.port': '443',
      'gen_ai.agent.id': 'agt_1',
      'gen_ai.tool.name': 'lookup',
      'openai.response.service_tier': 'flex',
      'pnl.request.id': 'req_1',
    });
  });

  it('keeps custom attribution keys under pnl.custom.', () => {
    expect(stored({ 'pnl.custom.cost_center': 'cc-42', 'pnl.custom.region': 'eu', 'pnl.customer.id': 'c' })).toEqual({
      'pnl.custom.cost_center': 'cc-42',
      'pnl.custom.region': 'eu',
    });
  });

  it('finds custom keys next to any of our pnl.* keys, not only the customer id', () => {
    expect(stored({ 'pnl.custom.cost_center': 'cc-42', 'pnl.session.id': 's1' })).toEqual({ 'pnl.custom.cost_center': 'cc-42' });
  });

  it('looks for custom keys only on spans carrying our attribution (they travel in the same baggage)', () => {
    expect(stored({ 'pnl.custom.cost_center': 'cc-42', 'traceloop.association.properties.customer_id': 'c' })).toEqual({});
  });

  it('never stores prompt or completion content', () => {
    expect(stored({ ...CONTENT, 'server.address': 'api.openai.com' })).toEqual({ 'server.address': 'api.openai.com' });
  });

  it('refuses content keys even when the options allowlist them or a prefix covers them', () => {
    const options = defaultNormalizeOptions();
    options.storedAttributeKeys = [...options.storedAttributeKeys, 'gen_ai.input.messages', 'input.value', 'ai.response.text'];
    options.storedAttributePrefixes = ['pnl.custom.', 'gen_ai.', 'llm.', 'ai.', 'langfuse.'];
    const result = stored({ ...CONTENT, 'gen_ai.response.id': 'r1', 'llm.provider': 'openai', 'pnl.customer.id': 'c' }, options);
    expect(Object.keys(result).sort()).toEqual(['gen_ai.operation.name', 'gen_ai.request.model', 'gen_ai.response.id', 'gen_ai.usage.input_tokens', 'llm.provider']);
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('keeps at most maxStoredAttributes entries (32 by default)', () => {
    const many: Attributes = { 'pnl.customer.id': 'c' };
    for (let i = 0; i < 50; i++) many[`pnl.custom.k${String(i).padStart(2, '0')}`] = `v${i}`;
    const result = stored(many);
    expect(Object.keys(result)).toHaveLength(32);
    expect(result['pnl.custom.k00']).toBe('v0');
    expect(result['pnl.custom.k31']).toBe('v31');
    expect(result['pnl.custom.k32']).toBeUndefined();
  });

  it('honours a smaller limit and zero', () => {
    const options = defaultNormalizeOptions();
    options.maxStoredAttributes = 1;
    expect(Object.keys(stored({ 'server.address': 'a', 'server.port': 1 }, options))).toHaveLength(1);
    const none = defaultNormalizeOptions();
    none.maxStoredAttributes = 0;
    expect(stored({ 'server.address': 'a' }, none)).toEqual({});
  });

  it('cuts values to 256 characters by default', () => {
    const result = stored({ 'pnl.custom.note': 'x'.repeat(1000), 'gen_ai.response.id': 'y'.repeat(300), 'pnl.feature.id': 'f' });
    expect(result['pnl.custom.note']).toBe('x'.repeat(256));
    expect(result['gen_ai.response.id']).toBe('y'.repeat(256));
  });

  it('serialises maps and mixed arrays as JSON', () => {
    expect(stored({ 'pnl.custom.obj': { a: 1 }, 'pnl.custom.nested': [[1], 2], 'pnl.run.id': 'r' })).toEqual({
      'pnl.custom.obj': '{"a":1}',
      'pnl.custom.nested': '[[1],2]',
    });
  });
});

describe('status and error type', () => {
  const of = (extra: Partial<DecodedSpan>, attributes: Attributes = {}) => {
    const c = call(normalizeSpan(chat(attributes, extra), defaultNormalizeOptions()));
    return { status: c.status, errorType: c.errorType };
  };

  it.each([
    [{ statusCode: 0 }, {}, { status: 'unset', errorType: '' }],
    [{ statusCode: 1 }, {}, { status: 'ok', errorType: '' }],
    [{ statusCode: 2 }, {}, { status: 'error', errorType: '' }],
    [{ statusCode: 2, eventNames: ['exception'] }, {}, { status: 'error', errorType: 'exception' }],
    [{ statusCode: 2, eventNames: ['exception'] }, { 'error.type': 'RateLimitError' }, { status: 'error', errorType: 'RateLimitError' }],
    [{ statusCode: 0 }, { 'error.type': 'timeout' }, { status: 'error', errorType: 'timeout' }],
    [{ statusCode: 0 }, { 'langfuse.observation.level': 'ERROR' }, { status: 'error', errorType: '' }],
  ] as const)('%j %j -> %j', (extra, attributes, expected) => {
    expect(of(extra as Partial<DecodedSpan>, attributes as Attributes)).toEqual(expected);
  });
});
