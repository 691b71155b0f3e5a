import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodedChatSpan } from '../helpers/decoded-chat-span.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let svc: TestService;
beforeAll(async () => {
  // Raw and daily rows kept 50 years, so ten years of past months stay (the default TTL would drop most at insert).
  svc = await startTestService({ retentionRawMonths: 600, retentionAggregateMonths: 600 });
});
afterAll(() => svc?.stop());

describe('a batch across many monthly partitions', () => {
  it('is inserted whole: 120 calls in 120 different months, then the batch behind it', async () => {
    // ClickHouse refuses an insert into more than 100 partitions by default; the batch was then
    // retried forever and held back every later one. The 120 months up to this one.
    const now = new Date();
    const spans = Array.from({ length: 120 }, (_, i) => {
      const startUs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1) * 1000;
      return decodedChatSpan({ 'pnl.customer.id': 'cust_months' }, { spanId: (0x1000 + i).toString(16).padStart(16, '0'), startTimeUs: startUs, endTimeUs: startUs + 1000 });
    });
    svc.service.core.pipeline.ingest(spans);
    await svc.service.core.writer.flush();
    svc.service.core.pipeline.ingest([decodedChatSpan({ 'pnl.customer.id': 'cust_after' }, { spanId: '00000000000000ff' })]);
    await svc.service.core.writer.flush();
    const rows = await svc.service.core.store.select<{ customer_id: string; n: number; months: number }>(
      'SELECT customer_id, count() AS n, uniqExact(toYYYYMM(start_time)) AS months FROM pnl.llm_calls GROUP BY customer_id ORDER BY customer_id',
    );
    expect(rows).toEqual([
      { customer_id: 'cust_after', n: 1, months: 1 },
      { customer_id: 'cust_months', n: 120, months: 120 },
    ]);
    const [daily] = await svc.service.core.store.select<{ n: number }>("SELECT sum(calls) AS n FROM pnl.llm_costs_daily WHERE customer_id = 'cust_months'");
    expect(daily!.n).toBe(120);
  }, 60_000);
});
