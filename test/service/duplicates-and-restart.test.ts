import { afterAll, describe, expect, it } from 'vitest';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { tempDir } from '../helpers/temp-dir.js';
import { metricValue, startTestService } from '../helpers/test-service.js';

const JSON_CT = { 'content-type': 'application/json' };
const dir = tempDir();
afterAll(() => dir.remove());

async function countRows(svc: Awaited<ReturnType<typeof startTestService>>): Promise<{ n: number; cost: string }> {
  await svc.service.core.writer.flush();
  const [row] = await svc.service.core.store.select<{ n: number; cost: string }>('SELECT count() AS n, toString(sum(cost_usd)) AS cost FROM pnl.llm_calls');
  const [daily] = await svc.service.core.store.select<{ calls: number }>('SELECT sum(calls) AS calls FROM pnl.llm_costs_daily');
  expect(daily!.calls).toBe(row!.n);
  return row!;
}

describe('exactly once', () => {
  it('counts a payload delivered three times once, and still after a restart', async () => {
    const { json } = await otlpBodies([
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 1000, output_tokens: 100 }) },
      { name: 'chat gpt-4o', attributes: chatAttributes('gpt-4o', { input_tokens: 1000, output_tokens: 100 }) },
    ]);
    // 1000 x 0.15 + 100 x 0.60 = 210 micro-USD; 1000 x 2.50 + 100 x 10 = 3500 micro-USD
    const expectedCost = '0.00371';

    const first = await startTestService({}, dir.path);
    for (let i = 0; i < 3; i++) expect((await postTraces(first.url, json, JSON_CT)).status).toBe(200);
    expect(await countRows(first)).toEqual({ n: 2, cost: expectedCost });
    let metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metricValue(metrics, 'pnl_spans_duplicate_total')).toBe(4);
    expect(metricValue(metrics, 'pnl_llm_cost_usd_total', { customer: 'cust_acme', feature: 'chat', provider: 'openai', model: 'gpt-4o-mini' })).toBeCloseTo(0.00021, 12);
    await first.stop({ keepData: true });

    const second = await startTestService({}, dir.path);
    try {
      expect(await countRows(second)).toEqual({ n: 2, cost: expectedCost });
      expect((await postTraces(second.url, json, JSON_CT)).status).toBe(200);
      expect(await countRows(second)).toEqual({ n: 2, cost: expectedCost });
      metrics = await (await fetch(`${second.url}/metrics`)).text();
      expect(metricValue(metrics, 'pnl_spans_duplicate_total')).toBe(2);
      expect(metricValue(metrics, 'pnl_llm_cost_usd_total', { customer: 'cust_acme', feature: 'chat', provider: 'openai', model: 'gpt-4o-mini' })).toBeUndefined();
    } finally {
      await second.stop({ keepData: true });
    }
  });
});
