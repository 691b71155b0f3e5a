import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../exporter/src/log/logger.js';
import type { Attributes, DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import type { LlmCall } from '../../exporter/src/model/llm-call.js';
import { loadEncoders, TokenCheck } from '../../exporter/src/token-check/index.js';
import { hex, llmCall } from '../helpers/records.js';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function sampled(attributes: Attributes, call: Partial<LlmCall> = {}): { span: DecodedSpan; call: LlmCall } {
  const c = llmCall({ scopeName: 'lib', scopeVersion: '1.0.0', ...call });
  const span: DecodedSpan = {
    traceId: c.traceId, spanId: c.spanId, parentSpanId: '', name: 'chat', kind: 3, startTimeUs: 1, endTimeUs: 2,
    statusCode: 0, statusMessage: '', attributes, resource: {}, scopeName: c.scopeName, scopeVersion: c.scopeVersion, eventNames: [],
  };
  return { span, call: c };
}

const chat = (user: string, answer: string): Attributes => ({
  'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: user }] }]),
  'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }] }]),
});

const usage = (input: number, output: number, reasoning = 0) => ({ inputReported: input, inputUncached: input, cacheRead: 0, cacheWrite: 0, output, reasoning });

describe('the token check', () => {
  it('compares output minus reasoning with the completion text, and the whole prompt with the messages', async () => {
    const o200k = (await loadEncoders()).o200k_base;
    const check = await TokenCheck.start({ sample: 1, tolerancePct: 10 }, { registry: new Registry(), logger: silent });
    const input = 3 + 3 + o200k.encode('user').length + o200k.encode('Hello there').length;
    const output = o200k.encode('General Kenobi').length;
    check.enqueue([sampled(chat('Hello there', 'General Kenobi'), { requestModel: 'gpt-4o', usage: { ...usage(input, output + 500, 500), inputUncached: input - 2, cacheRead: 2 } })]);
    await check.idle();
    const [e] = check.emitters();
    expect(e!.input).toMatchObject({ reported: input, estimated: input, deviation: 0 });
    expect(e!.output).toMatchObject({ reported: output, estimated: output, deviation: 0 });
  });

  it('counts every side it cannot compare, by reason, and compares nothing for them', async () => {
    const registry = new Registry();
    const check = await TokenCheck.start({ sample: 1, tolerancePct: 10 }, { registry, logger: silent });
    check.enqueue([
      sampled(chat('a', 'b'), { hasUsage: false }),
      sampled(chat('a', 'b'), { operation: 'embeddings' }),
      sampled({}),
      sampled({ ...chat('a', 'b'), 'gen_ai.tool.definitions': '[{"name":"f"}]' }),
    ]);
    await check.idle();
    const skips = check.skipCounts();
    expect(skips.input).toMatchObject({ no_usage: 1, operation: 1, no_content: 1, unsupported_content: 1 });
    expect(skips.output).toMatchObject({ no_usage: 1, operation: 1, no_content: 1, unsupported_content: 0 });
    // The fourth call's output was still compared.
    expect(check.emitters().map((e) => [e.checks, e.input.samples, e.output.samples])).toEqual([[1, 0, 1]]);
    const text = await registry.metrics();
    expect(text).toContain('pnl_token_check_skipped_total{kind="input",reason="unsupported_content"} 1');
  });

  it('skips sampled calls beyond its queue instead of holding them', async () => {
    const check = await TokenCheck.start({ sample: 1, tolerancePct: 10, maxQueue: 2 }, { registry: new Registry(), logger: silent });
    check.enqueue(Array.from({ length: 5 }, () => sampled(chat('a', 'b'), { requestModel: 'gpt-4o' })));
    expect(check.pending).toBe(2);
    await check.idle();
    expect(check.skipCounts().input.queue_full).toBe(3);
    expect(check.emitters()[0]!.checks).toBe(2);
  });

  it('marks a non-OpenAI emitter approximate on the API and the metrics', async () => {
    const registry = new Registry();
    const check = await TokenCheck.start({ sample: 1, tolerancePct: 10 }, { registry, logger: silent });
    check.enqueue([sampled(chat('Summarise this contract.', 'The contract...'), { provider: 'anthropic', requestModel: 'claude-sonnet-4', usage: usage(20, 5) })]);
    await check.idle();
    expect(check.emitters()[0]).toMatchObject({ provider: 'anthropic', exact: false, tolerancePct: 50 });
    expect(await registry.metrics()).toMatch(/pnl_token_check_deviation_ratio\{scope="lib",scope_version="1.0.0",provider="anthropic",model="claude-sonnet-4",kind="input",exact="false"\} /);
  });

  it('bounds the emitter label values like every other label: a 500,000-character scope name is __other__', async () => {
    const registry = new Registry();
    const check = await TokenCheck.start({ sample: 1, tolerancePct: 10 }, { registry, logger: silent });
    check.enqueue([sampled(chat('a', 'b'), { requestModel: 'gpt-4o', scopeName: 's'.repeat(500_000), usage: usage(10, 1) })]);
    await check.idle();
    expect(check.emitters().map((e) => e.scope)).toEqual(['__other__']);
    const text = await registry.metrics();
    expect(text.length).toBeLessThan(20_000);
    expect(text).toContain('pnl_token_checks_total{scope="__other__",scope_version="1.0.0",provider="openai",model="gpt-4o"} 1');
  });

  it('samples deterministically by span id', async () => {
    const check = await TokenCheck.start({ sample: 0.5, tolerancePct: 10 }, { registry: new Registry(), logger: silent });
    const spans = Array.from({ length: 100 }, () => sampled({}, { traceId: hex(16), spanId: hex(8) }).span);
    const first = spans.map((s) => check.sampled(s));
    expect(spans.map((s) => check.sampled(s))).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(25);
    expect(first.filter(Boolean).length).toBeLessThan(75);
  });
});
