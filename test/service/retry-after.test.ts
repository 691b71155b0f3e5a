import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ACME } from '../helpers/genai-spans.js';
import { postTraces } from '../helpers/otlp-payloads.js';
import { sdkSpans } from '../helpers/sdk-spans.js';
import { metricValue, startTestService } from '../helpers/test-service.js';
import { PROTOBUF, uniqueRequests } from '../helpers/unique-requests.js';

/*
 * The OpenTelemetry JS exporter gives an export 10 s in all and drops the data at once when a
 * 503's Retry-After asks for longer than what is left. A full spool behind a slow batch delay
 * once answered Retry-After 11 (and a refusing disk 10): the SDK gave up after one attempt.
 */

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of stops) await stop();
});

describe('Retry-After on a full spool', () => {
  it('asks for at most 5 s, so the real OTLP exporter retries within its 10 s instead of dropping the spans', async () => {
    // 11 s between batches made the old Retry-After 11 s or more from the first refusal.
    const svc = await startTestService({ spoolMaxBytes: 100, batchMaxDelayMs: 11_000 });
    stops.push(() => svc.stop());
    // Inserts fail while the table is away, so the spool keeps what it took and stays full.
    await svc.service.core.store.client.command({ query: 'DETACH TABLE pnl.llm_calls' });
    const [first, second] = uniqueRequests(2, 5);
    expect((await postTraces(svc.url, first!.body, PROTOBUF)).status).toBe(200); // an empty spool takes any request
    const refused = await postTraces(svc.url, second!.body, PROTOBUF);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(5);

    const spans = await sdkSpans([
      { name: 'chat gpt-4o-mini', attributes: { ...ACME, 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 2 } },
    ]);
    const refusals = async (): Promise<number> => metricValue(await (await fetch(`${svc.url}/metrics`)).text(), 'pnl_otlp_requests_total', { status: '503' }) ?? 0;
    const before = await refusals();
    const exporter = new OTLPTraceExporter({ url: `${svc.url}/v1/traces`, timeoutMillis: 10_000 });
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    await exporter.shutdown();
    // The spool never drains here, so the export fails in the end; what matters is that it retried.
    expect(result.code).toBe(ExportResultCode.FAILED);
    const attempts = (await refusals()) - before;
    expect(attempts).toBeGreaterThanOrEqual(2);
    await svc.service.core.store.client.command({ query: 'ATTACH TABLE pnl.llm_calls' }); // lets the stop drain the spool at once
  }, 30_000);
});
