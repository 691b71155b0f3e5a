import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_PICO, emitTwoCalls, picoText } from '../helpers/genai-spans.js';
import { metricValue, startTestService, type TestService } from '../helpers/test-service.js';

describe('a real OTel NodeSDK sending OTLP protobuf to the service', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
    const sdk = new NodeSDK({ serviceName: 'support-bot', traceExporter: new OTLPTraceExporter({ url: `${svc.url}/v1/traces` }) });
    sdk.start();
    emitTwoCalls(trace.getTracerProvider());
    await sdk.shutdown(); // flushes the BatchSpanProcessor: the export has been answered
    await svc.service.core.writer.flush();
  });
  afterAll(() => svc?.stop());

  it('stores one exactly priced row per LLM call', async () => {
    const rows = await svc.service.core.store.select<Record<string, unknown>>(
      `SELECT provider, request_model, customer_id, feature_id, attempt, attempt_reason, input_tokens, cache_read_tokens,
              cache_write_tokens, output_tokens, cost_usd, priced, service_name
       FROM pnl.llm_calls ORDER BY attempt`,
    );
    expect(rows).toEqual([
      {
        provider: 'openai', request_model: 'gpt-4o-mini', customer_id: 'cust_acme', feature_id: 'chat', attempt: 0, attempt_reason: '',
        input_tokens: 700, cache_read_tokens: 300, cache_write_tokens: 0, output_tokens: 200,
        cost_usd: picoText(EXPECTED_PICO.gpt4oMini), priced: true, service_name: 'support-bot',
      },
      {
        provider: 'anthropic', request_model: 'claude-sonnet-4-20250514', customer_id: 'cust_acme', feature_id: 'chat', attempt: 1,
        attempt_reason: 'escalation', input_tokens: 1000, cache_read_tokens: 3000, cache_write_tokens: 1000, output_tokens: 500,
        cost_usd: picoText(EXPECTED_PICO.claude), priced: true, service_name: 'support-bot',
      },
    ]);
  });

  it('moves the Prometheus counters by exactly the same amounts', async () => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    const cost = (provider: string, model: string) => metricValue(text, 'pnl_llm_cost_usd_total', { customer: 'cust_acme', feature: 'chat', provider, model });
    expect(cost('openai', 'gpt-4o-mini')).toBeCloseTo(Number(EXPECTED_PICO.gpt4oMini) / 1e12, 12);
    expect(cost('anthropic', 'claude-sonnet-4-20250514')).toBeCloseTo(Number(EXPECTED_PICO.claude) / 1e12, 12);
    expect(metricValue(text, 'pnl_llm_evolution_cost_usd_total', { customer: 'cust_acme', feature: 'chat', reason: 'escalation' })).toBeCloseTo(
      Number(EXPECTED_PICO.claude) / 1e12,
      12,
    );
    expect(metricValue(text, 'pnl_llm_tokens_total', { customer: 'cust_acme', feature: 'chat', provider: 'anthropic', model: 'claude-sonnet-4-20250514', kind: 'cache_write' })).toBe(1000);
    expect(metricValue(text, 'pnl_llm_calls_total', { customer: 'cust_acme', feature: 'chat', provider: 'openai', model: 'gpt-4o-mini', status: 'unset' })).toBe(1);
    expect(metricValue(text, 'pnl_spans_received_total')).toBe(2);
    // Both calls ended just now: each counted once, well within a second.
    expect(metricValue(text, 'pnl_ingest_lag_seconds_count')).toBe(2);
    expect(metricValue(text, 'pnl_ingest_lag_seconds_bucket', { le: '1' })).toBe(2);
    expect(metricValue(text, 'pnl_ingest_lag_seconds_sum')).toBeGreaterThan(0);
  });
});
