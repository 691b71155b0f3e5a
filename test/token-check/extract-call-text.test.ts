import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../exporter/src/model/decoded-span.js';
import { extractCallText } from '../../exporter/src/token-check/index.js';
import { fixture } from '../normalize/convention-fixtures.js';

const MAX = 100_000;
const user = (text: string) => ({ role: 'user', name: '', text });
const INVOICE = 'My invoice is wrong, please help.';
const CONTRACT = 'Summarise this contract.';

describe('extracting the prompt and completion text of a call', () => {
  it.each([
    ['openlit-ts-openai.json', 'OTel GenAI gen_ai.input/output.messages (parts)', [user(INVOICE)], ['Routing to billing.']],
    ['openllmetry-js-anthropic-new.json', 'OpenLLMetry on the new OTel message keys', [user(CONTRACT)], ['The contract...']],
    ['vercel-ai-v7-genai-openai.json', 'AI SDK v7 OTel GenAI spans', [user(INVOICE)], ['Routing to billing.']],
    [
      'openllmetry-python-openai.json',
      'OpenLLMetry gen_ai.prompt.N / gen_ai.completion.N',
      [{ role: 'system', name: '', text: 'You triage support tickets.' }, user(INVOICE)],
      ['Routing to billing.'],
    ],
    ['openllmetry-js-anthropic-0.27.json', 'OpenLLMetry with JSON content blocks', [user(CONTRACT)], ['The contract...']],
    ['openinference-js-openai.json', 'OpenInference llm.input/output_messages.N.message.content', [user(INVOICE)], ['Routing to billing.']],
    ['openinference-js-anthropic.json', 'OpenInference message.contents.M.message_content parts', [user(CONTRACT)], ['The contract...']],
    ['vercel-ai-v4-openai.json', 'AI SDK ai.prompt.messages and ai.response.text', [user(INVOICE)], ['Routing to billing.']],
    ['vercel-ai-v5-openai.json', 'AI SDK with an empty tool list', [user(INVOICE)], ['Routing to billing.']],
    ['langfuse-openai.json', 'Langfuse observation input and output', [user(INVOICE)], ['Routing to billing.']],
  ])('reads %s (%s)', (file, _what, input, output) => {
    const text = extractCallText(fixture(file).span.attributes, MAX);
    expect(text.input).toEqual({ ok: true, value: input });
    expect(text.output).toEqual({ ok: true, value: output });
  });

  it('reports no_content for spans whose emitter did not capture content', () => {
    for (const file of ['otel-instrumentation-openai-chat.json', 'anthropic-sdk-typescript.json']) {
      expect(extractCallText(fixture(file).span.attributes, MAX), file).toEqual({ input: { ok: false, reason: 'no_content' }, output: { ok: false, reason: 'no_content' } });
    }
  });

  it('compares the input alone when only the prompt was captured', () => {
    const text = extractCallText(fixture('vercel-ai-v7-genai-anthropic.json').span.attributes, MAX);
    expect(text).toEqual({ input: { ok: true, value: [user(CONTRACT)] }, output: { ok: false, reason: 'no_content' } });
  });

  it('reads OTel messages sent as structured OTLP values, with system instructions first and names kept', () => {
    const attrs: Attributes = {
      'gen_ai.system_instructions': [{ type: 'text', content: 'Be brief.' }],
      'gen_ai.input.messages': [{ role: 'user', name: 'ana', parts: [{ type: 'text', content: 'Hi' }] }],
      'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'reasoning', content: 'thinking...' }, { type: 'text', content: 'Hello' }] }],
    };
    expect(extractCallText(attrs, MAX)).toEqual({
      input: { ok: true, value: [{ role: 'system', name: '', text: 'Be brief.' }, { role: 'user', name: 'ana', text: 'Hi' }] },
      output: { ok: true, value: ['Hello'] },
    });
  });

  it('orders indexed messages numerically (10 after 9)', () => {
    const attrs: Attributes = {};
    for (let i = 11; i >= 0; i--) {
      attrs[`gen_ai.prompt.${i}.role`] = 'user';
      attrs[`gen_ai.prompt.${i}.content`] = `m${i}`;
    }
    const text = extractCallText(attrs, MAX);
    expect(text.input.ok && text.input.value.map((m) => m.text)).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`));
  });

  it('reads the legacy llm.prompts.N keys of OpenLLMetry', () => {
    const attrs: Attributes = { 'llm.prompts.0.role': 'user', 'llm.prompts.0.content': 'Hi', 'llm.completions.0.content': 'Hello' };
    expect(extractCallText(attrs, MAX)).toEqual({ input: { ok: true, value: [user('Hi')] }, output: { ok: true, value: ['Hello'] } });
  });

  it.each<[string, Attributes, 'input' | 'output']>([
    ['tool definitions sent with the prompt (OTel)', { 'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]', 'gen_ai.tool.definitions': '[{"name":"lookup"}]' }, 'input'],
    ['tool definitions (OpenLLMetry functions)', { 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': 'Hi', 'llm.request.functions.0.name': 'lookup' }, 'input'],
    ['tool definitions (AI SDK)', { 'ai.prompt.messages': '[{"role":"user","content":"Hi"}]', 'ai.prompt.tools': ['{"name":"lookup"}'], 'ai.response.text': 'x' }, 'input'],
    ['an image part (OpenInference)', { 'llm.input_messages.0.message.role': 'user', 'llm.input_messages.0.message.contents.0.message_content.type': 'image', 'llm.input_messages.0.message.contents.0.message_content.image.image.url': 'data:...' }, 'input'],
    ['a tool call in the history (OTel)', { 'gen_ai.input.messages': '[{"role":"assistant","parts":[{"type":"tool_call","name":"lookup","arguments":{}}]}]' }, 'input'],
    ['a tool result message (OpenLLMetry)', { 'gen_ai.prompt.0.role': 'tool', 'gen_ai.prompt.0.content': '42', 'gen_ai.prompt.0.tool_call_id': 'call_1' }, 'input'],
    ['a tool call in the completion (OpenLLMetry)', { 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': 'Hi', 'gen_ai.completion.0.tool_calls.0.name': 'lookup', 'gen_ai.completion.0.content': '' }, 'output'],
    ['tool calls in the response (AI SDK)', { 'ai.prompt.messages': '[{"role":"user","content":"Hi"}]', 'ai.response.text': '', 'ai.response.toolCalls': '[{"toolName":"lookup"}]' }, 'output'],
    ['a tool call in the completion (OpenInference)', { 'llm.input_messages.0.message.role': 'user', 'llm.input_messages.0.message.content': 'Hi', 'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'lookup' }, 'output'],
  ])('does not compare a side with non-text content: %s', (_what, attrs, side) => {
    const text = extractCallText(attrs, MAX);
    expect(text[side]).toEqual({ ok: false, reason: 'unsupported_content' });
  });

  it('reports malformed JSON content as unreadable, without throwing', () => {
    const text = extractCallText({ 'gen_ai.input.messages': '[{"role":"user", oops', 'gen_ai.output.messages': '{"not":"a list"}' }, MAX);
    expect(text).toEqual({ input: { ok: false, reason: 'unreadable_content' }, output: { ok: false, reason: 'unreadable_content' } });
  });

  it('skips a side longer than the character cap', () => {
    const long = 'word '.repeat(30);
    const text = extractCallText({ 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': long, 'gen_ai.completion.0.content': 'short' }, 100);
    expect(text).toEqual({ input: { ok: false, reason: 'too_long' }, output: { ok: true, value: ['short'] } });
  });

  it('does not parse a serialized value far longer than the cap', () => {
    const text = extractCallText({ 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'x'.repeat(1000) }] }]) }, 100);
    expect(text.input).toEqual({ ok: false, reason: 'too_long' });
  });

  it('takes a plain Langfuse prompt string as one user message', () => {
    const text = extractCallText({ 'langfuse.observation.input': 'Translate: bonjour', 'langfuse.observation.output': '"hello"' }, MAX);
    expect(text).toEqual({ input: { ok: true, value: [user('Translate: bonjour')] }, output: { ok: true, value: ['hello'] } });
  });

  it('prefers the OTel message keys when an emitter also writes the indexed ones, so nothing counts twice', () => {
    const attrs: Attributes = {
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'Hi',
    };
    expect(extractCallText(attrs, MAX).input).toEqual({ ok: true, value: [user('Hi')] });
  });
});
