import { createRequire } from 'node:module';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentRun, attribution, openAIUsageFetch, startAgenticPnl, withAttribution } from '../../instrumentation/src/index.js';
import { picoText } from '../helpers/genai-spans.js';
import { metricValue, startTestService, type TestService } from '../helpers/test-service.js';
import { FAKE_COMPLETION_PICO_USD, startFakeOpenAI, type FakeOpenAI } from '../instrumentation/support/fake-openai-server.js';

// openai 6 from the instrumentation workspace: the official instrumentation supports openai < 7.
const requireFromPackage = createRequire(new URL('../../instrumentation/package.json', import.meta.url));
type OpenAIModule = typeof import('openai');

const { 'gpt-4o-mini': MINI, 'gpt-4o': FOUR_O } = FAKE_COMPLETION_PICO_USD;

describe('instrumented agent -> OTLP -> service', () => {
  let svc: TestService;
  let fake: FakeOpenAI;
  beforeAll(async () => {
    svc = await startTestService();
    fake = await startFakeOpenAI();
    const pnl = startAgenticPnl({ serviceName: 'support-bot', otlpUrl: `${svc.url}/v1/traces`, instrumentations: [new OpenAIInstrumentation()] });
    const { OpenAI } = requireFromPackage('openai') as OpenAIModule;
    const openai = new OpenAI({ apiKey: 'test', baseURL: fake.baseURL, maxRetries: 0, fetch: openAIUsageFetch() });
    const ask = (model: string) => openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    await withAttribution(attribution().customer('cust_e2e').tier('pro').feature('triage'), () =>
      agentRun('triage-agent', async (run) => {
        await run.attempt(() => ask('gpt-4o-mini'));
        await run.attempt(() => ask('gpt-4o'), 'retry');
        run.outcome('ticket.resolved', { value: 1 });
      }, { runId: 'run-e2e' }),
    );
    await new Promise((r) => setTimeout(r, 50)); // the instrumentation ends its span after the promise
    await pnl.shutdown(); // flushes the OTLP export
    await svc.service.core.writer.flush();
  });
  afterAll(async () => {
    await fake?.close();
    await svc?.stop();
  });

  it('prices the first attempt as base cost and the retry as evolution cost', async () => {
    const rows = await svc.service.core.store.select<Record<string, unknown>>(
      `SELECT request_model, run_id, attempt, attempt_reason, input_tokens, cache_read_tokens, output_tokens, reasoning_tokens, cost_usd
       FROM pnl.llm_calls WHERE customer_id = 'cust_e2e' ORDER BY attempt`,
    );
    expect(rows).toEqual([
      { request_model: 'gpt-4o-mini', run_id: 'run-e2e', attempt: 0, attempt_reason: '', input_tokens: 176, cache_read_tokens: 1024, output_tokens: 340, reasoning_tokens: 256, cost_usd: picoText(MINI) },
      { request_model: 'gpt-4o', run_id: 'run-e2e', attempt: 1, attempt_reason: 'retry', input_tokens: 176, cache_read_tokens: 1024, output_tokens: 340, reasoning_tokens: 256, cost_usd: picoText(FOUR_O) },
    ]);
    const split = await svc.service.core.store.select<{ base: string; evolution: string }>(
      `SELECT toString(sumIf(cost_usd, attempt_reason = '')) AS base, toString(sumIf(cost_usd, attempt_reason != '')) AS evolution
       FROM pnl.llm_costs_daily WHERE customer_id = 'cust_e2e'`,
    );
    expect(split).toEqual([{ base: picoText(MINI), evolution: picoText(FOUR_O) }]);
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metricValue(text, 'pnl_llm_evolution_cost_usd_total', { customer: 'cust_e2e', feature: 'triage', reason: 'retry' })).toBeCloseTo(Number(FOUR_O) / 1e12, 12);
  });

  it('stores the run and its business outcome', async () => {
    const runs = await svc.service.core.store.select<Record<string, unknown>>(
      "SELECT run_id, agent_name, outcome, status FROM pnl.agent_runs WHERE customer_id = 'cust_e2e'",
    );
    expect(runs).toEqual([{ run_id: 'run-e2e', agent_name: 'triage-agent', outcome: 'success', status: expect.any(String) }]);
    const outcomes = await svc.service.core.store.select<Record<string, unknown>>(
      "SELECT run_id, feature_id, name, value FROM pnl.outcomes WHERE customer_id = 'cust_e2e'",
    );
    expect(outcomes).toEqual([{ run_id: 'run-e2e', feature_id: 'triage', name: 'ticket.resolved', value: 1 }]);
  });
});
