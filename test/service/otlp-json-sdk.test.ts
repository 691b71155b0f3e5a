import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_PICO, emitTwoCalls, picoText } from '../helpers/genai-spans.js';
import { metricValue, startTestService, type TestService } from '../helpers/test-service.js';

describe('a real OTel SDK sending OTLP JSON to the service', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${svc.url}/v1/traces` }) })],
    });
    emitTwoCalls(provider);
    await provider.shutdown();
    await svc.service.core.writer.flush();
  });
  afterAll(() => svc?.stop());

  it('stores the same exact costs as the protobuf path', async () => {
    const rows = await svc.service.core.store.select<{ request_model: string; cost_usd: string }>(
      'SELECT request_model, cost_usd FROM pnl.llm_calls ORDER BY attempt',
    );
    expect(rows).toEqual([
      { request_model: 'gpt-4o-mini', cost_usd: picoText(EXPECTED_PICO.gpt4oMini) },
      { request_model: 'claude-sonnet-4-20250514', cost_usd: picoText(EXPECTED_PICO.claude) },
    ]);
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metricValue(text, 'pnl_llm_cost_usd_total', { customer: 'cust_acme', feature: 'chat', provider: 'openai', model: 'gpt-4o-mini' })).toBeCloseTo(
      Number(EXPECTED_PICO.gpt4oMini) / 1e12,
      12,
    );
  });
});
