import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repriceCalls } from '../../exporter/src/pnl/reprice.js';
import { createPriceBook } from '../../exporter/src/price/index.js';
import { chatAttributes, otlpJsonStartingAt, postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

/** acme-llm-1 is unknown to the catalog: $2 per million input tokens here. */
const OVERRIDE = [{ id: 'acme-days', provider: 'openai', model: 'acme-llm-1', input_mtok: '2', output_mtok: '0' }];

/** Noon UTC of day `d` of the month before this one, and of the 1st of this one. */
const lastMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1));
const at = (monthOffset: number, d: number) => Date.UTC(lastMonth.getUTCFullYear(), lastMonth.getUTCMonth() + monthOffset, d, 12);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// Reprice reads, rates and stages a month one day at a time; every day's calls must reach the rewrite.
describe('reprice over calls on many days of two months', () => {
  let svc: TestService;
  const days = [at(0, 1), at(0, 2), at(0, 15), at(0, 28), at(1, 1)];
  beforeAll(async () => {
    svc = await startTestService();
    const body = await otlpJsonStartingAt(
      days.map((_, i) => ({ name: 'chat acme-llm-1', attributes: chatAttributes('acme-llm-1', { input_tokens: 1_000_000 * (i + 1), output_tokens: 0 }, { 'pnl.customer.id': 'cust_days' }) })),
      days,
    );
    expect((await postTraces(svc.url, body, { 'content-type': 'application/json' })).status).toBe(200);
    await svc.service.core.writer.flush();
  });
  afterAll(() => svc?.stop());

  it('rates and rewrites the calls of every day, and rebuilds each day\'s aggregates', async () => {
    const store = svc.service.core.store;
    const progress: string[] = [];
    const result = await repriceCalls(store, createPriceBook(OVERRIDE), { from: iso(at(0, 1)), to: iso(at(1, 2)), dryRun: false, onProgress: (m) => progress.push(m) });
    expect(result).toMatchObject({ calls: 5, changedCalls: 5 });
    expect(result.rewrittenMonths).toHaveLength(2);
    const calls = await store.select<{ day: string; cost: string }>("SELECT toString(toDate(start_time)) AS day, toString(cost_usd) AS cost FROM pnl.llm_calls WHERE customer_id = 'cust_days' ORDER BY start_time");
    // 1..5 million input tokens at $2 per million.
    expect(calls).toEqual(days.map((d, i) => ({ day: iso(d), cost: String(2 * (i + 1)) })));
    const daily = await store.select<{ day: string; cost: string }>("SELECT toString(day) AS day, toString(sum(cost_usd)) AS cost FROM pnl.llm_costs_daily WHERE customer_id = 'cust_days' GROUP BY day ORDER BY day");
    expect(daily).toEqual(calls);
    expect(await store.select("SELECT name FROM system.tables WHERE database = 'pnl' AND name LIKE '%reprice%'")).toEqual([]);
  });
});
