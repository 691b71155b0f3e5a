import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it } from 'vitest';
import { PnlSpanExporter } from '../../exporter/src/receive/pnl-span-exporter.js';
import { EXPECTED_PICO, emitTwoCalls, picoText } from '../helpers/genai-spans.js';
import { tempDir } from '../helpers/temp-dir.js';
import { metricValue } from '../helpers/test-service.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('PnlSpanExporter (in process, no service)', () => {
  it('prices and stores spans through the same pipeline as the service', async () => {
    const exporter = new PnlSpanExporter({ dataDir: dir.path, logLevel: 'warn', tierPrices: '{"pro":99}' });
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    emitTwoCalls(provider);
    emitTwoCalls(provider); // new span ids: two more calls
    await provider.forceFlush();
    await exporter.forceFlush();
    const core = await exporter.ready();
    const rows = await core.store.select<{ request_model: string; n: number; cost: string }>(
      'SELECT request_model, count() AS n, toString(sum(cost_usd)) AS cost FROM pnl.llm_calls GROUP BY request_model ORDER BY request_model',
    );
    expect(rows).toEqual([
      { request_model: 'claude-sonnet-4-20250514', n: 2, cost: picoText(2n * EXPECTED_PICO.claude) },
      { request_model: 'gpt-4o-mini', n: 2, cost: picoText(2n * EXPECTED_PICO.gpt4oMini) },
    ]);
    // The dashboards' revenue falls back on the tier prices, which they read from ClickHouse.
    expect(await core.store.select('SELECT tier, monthly_usd FROM pnl.tier_prices')).toEqual([{ tier: 'pro', monthly_usd: 99 }]);
    const text = await core.metrics.exposition();
    expect(metricValue(text, 'pnl_llm_calls_total', { customer: 'cust_acme', feature: 'chat', provider: 'openai', model: 'gpt-4o-mini', status: 'unset' })).toBe(2);
    // ClickHouse refusing (a table detached): the flush gives up after its timeout instead of
    // waiting forever, and the rows are written once the table is back.
    await core.store.client.command({ query: 'DETACH TABLE pnl.llm_calls' });
    emitTwoCalls(provider);
    // (Not provider.forceFlush(): the SDK's processor calls the exporter's forceFlush under its own 30 s limit.)
    await expect(exporter.forceFlush(300)).rejects.toThrow(/ClickHouse has not taken 2 buffered rows within 300 ms; they stay in the spool/);
    await core.store.client.command({ query: 'ATTACH TABLE pnl.llm_calls' });
    await exporter.forceFlush();
    expect(await core.store.select('SELECT count() AS n FROM pnl.llm_calls')).toEqual([{ n: 6 }]);
    await provider.shutdown();
    await exporter.shutdown();
    await exporter.shutdown(); // idempotent
    const result = await new Promise<{ code: number }>((resolve) => exporter.export([], resolve));
    expect(result.code).toBe(1); // FAILED after shutdown
  });

  it('counts the spans it must refuse (spool full), since the SDK does not retry a failed export', async () => {
    const other = tempDir();
    // A 1-byte spool: the first export fills it (its rows wait there for the 60 s batch), the next is refused.
    const exporter = new PnlSpanExporter({ dataDir: other.path, logLevel: 'silent', spoolMaxBytes: 1, batchMaxDelayMs: 60_000, batchIdleMs: 0 });
    try {
      const memory = new InMemorySpanExporter();
      emitTwoCalls(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] }));
      const [first, second] = memory.getFinishedSpans();
      const exported = (spans: ReadableSpan[]) => new Promise<number>((resolve) => exporter.export(spans, (r) => resolve(r.code)));
      expect([await exported([first!]), await exported([second!])]).toEqual([0, 1]); // SUCCESS, then FAILED
      const core = await exporter.ready();
      expect(metricValue(await core.metrics.exposition(), 'pnl_spans_rejected_total', { reason: 'spool_full' })).toBe(1);
    } finally {
      await exporter.shutdown();
      other.remove();
    }
  });
});
