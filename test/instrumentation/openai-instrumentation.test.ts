import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { agentRun, attribution, openAIUsageFetch, withAttribution } from '../../instrumentation/src/index.js';
import { FAKE_USAGE, startFakeOpenAI, type FakeOpenAI } from './support/fake-openai-server.js';
import { pnlAttributes, startTestTracing, type TestTracing } from './support/test-tracing.js';

// The official instrumentation hooks CommonJS require only (ESM needs its loader hook), and
// supports openai <7, so the client is required from the instrumentation workspace (openai 6).
const requireFromPackage = createRequire(new URL('../../instrumentation/package.json', import.meta.url));
type OpenAIModule = typeof import('openai');

let fake: FakeOpenAI;
let tracing: TestTracing;
let instrumentation: OpenAIInstrumentation;
let unregister: () => void;
let OpenAI: OpenAIModule['OpenAI'];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  // One instrumentation for the file: require hooks patch a module once per instrumentation.
  instrumentation = new OpenAIInstrumentation();
  // registerInstrumentations also hands over the meter provider the instrumentation needs.
  unregister = registerInstrumentations({ instrumentations: [instrumentation] });
  OpenAI = (requireFromPackage('openai') as OpenAIModule).OpenAI;
});
afterAll(async () => {
  unregister();
  await fake.close();
});
beforeEach(() => {
  tracing = startTestTracing();
  instrumentation.setTracerProvider(tracing.provider);
  instrumentation.enable();
});
afterEach(async () => {
  await tracing.shutdown();
});

const client = (withUsage = true) =>
  new OpenAI({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0, ...(withUsage ? { fetch: openAIUsageFetch() } : {}) });
const ask = (openai: InstanceType<OpenAIModule['OpenAI']>, model = 'gpt-4o') =>
  openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }] });

// The instrumentation ends its span in a promise callback after the call resolves.
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('official OpenAI instrumentation with agentic-pnl', () => {
  it('puts attribution, run id and attempt markers on the instrumentation\'s own chat span', async () => {
    await withAttribution(attribution().customer('cust_acme').tier('pro').feature('chat'), () =>
      agentRun('triage-agent', async (run) => {
        const openai = client();
        await run.attempt(() => ask(openai));
        await run.attempt(() => ask(openai, 'gpt-4.1'), 'escalation');
      }, { runId: 'run-openai' }),
    );
    await settle();
    const first = tracing.span('chat gpt-4o');
    const second = tracing.span('chat gpt-4.1');
    expect(first.instrumentationScope.name).toBe('@opentelemetry/instrumentation-openai');
    expect(first.kind).toBe(SpanKind.CLIENT);
    expect(pnlAttributes(first)).toEqual({
      'pnl.customer.id': 'cust_acme',
      'pnl.customer.tier': 'pro',
      'pnl.feature.id': 'chat',
      'pnl.run.id': 'run-openai',
      'pnl.attempt': 0,
    });
    expect(pnlAttributes(second)).toEqual({
      'pnl.customer.id': 'cust_acme',
      'pnl.customer.tier': 'pro',
      'pnl.feature.id': 'chat',
      'pnl.run.id': 'run-openai',
      'pnl.attempt': 1,
      'pnl.attempt.reason': 'escalation',
    });
  });

  it('adds cached-input and reasoning tokens to the chat span', async () => {
    await ask(client());
    await settle();
    const span = tracing.span('chat gpt-4o');
    expect(span.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': FAKE_USAGE.prompt_tokens,
      'gen_ai.usage.output_tokens': FAKE_USAGE.completion_tokens,
      'gen_ai.usage.cache_read.input_tokens': 1024,
      'gen_ai.usage.reasoning.output_tokens': 256,
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
    });
  });

  it('adds them for streamed completions, from the final usage chunk', async () => {
    const stream = await client().chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hello' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    await settle();
    expect(text).toBe('Hello');
    expect(tracing.span('chat gpt-4o').attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.cache_read.input_tokens': 1024,
      'gen_ai.usage.reasoning.output_tokens': 256,
    });
  });

  it('records no cache or reasoning tokens without the enrichment (what it fixes)', async () => {
    await ask(client(false));
    await settle();
    const attributes = tracing.span('chat gpt-4o').attributes;
    expect(attributes['gen_ai.usage.input_tokens']).toBe(1200);
    expect(attributes['gen_ai.usage.cache_read.input_tokens']).toBeUndefined();
    expect(attributes['gen_ai.usage.reasoning.output_tokens']).toBeUndefined();
  });

  it('leaves a failed call\'s span as the instrumentation made it', async () => {
    await expect(withAttribution(attribution().customer('cust_x'), () => ask(client(), 'broken-model'))).rejects.toThrow(/model is broken/);
    await settle();
    const span = tracing.span('chat broken-model');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['pnl.customer.id']).toBe('cust_x');
    expect(span.attributes['gen_ai.usage.cache_read.input_tokens']).toBeUndefined();
  });

  it('writes no tokens when no model-call span is active, rather than on the wrong span', async () => {
    instrumentation.disable();
    await agentRun('no-llm-span', (run) => run.attempt(() => ask(client())));
    await settle();
    expect(tracing.spans().map((s) => s.name)).toEqual(['invoke_agent no-llm-span']);
    expect(tracing.span('invoke_agent no-llm-span').attributes['gen_ai.usage.cache_read.input_tokens']).toBeUndefined();
  });
});
