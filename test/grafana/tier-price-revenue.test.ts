import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, isoDay, monthToDate } from '../../exporter/src/api/date-range.js';
import { revenueDays } from '../../grafana/dashboards-src/sql.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { expandQuery } from './grafana-macros.js';

const JSON_CT = { 'content-type': 'application/json' };

/*
 * The dashboards' revenue must be the engine's (the alerts and the API): recorded revenue rows,
 * and the tier's monthly price for the days no row covers (PNL_TIER_PRICES). The dashboards
 * once read the rows only, so a customer on tier pricing showed $0 revenue and a loss on the
 * dashboard that a Slack alert described with its tier revenue.
 */
describe('dashboard revenue with tier prices', () => {
  let svc: TestService;
  const { from: monthStart } = monthToDate();
  const today = isoDay(new Date());

  beforeAll(async () => {
    svc = await startTestService({ tierPrices: JSON.stringify({ pro: 99, team: 31 }) });
    const call = (customer: string, tier: string) => ({
      name: 'chat gpt-4o-mini',
      attributes: chatAttributes('gpt-4o-mini', { input_tokens: 1000, output_tokens: 100 }, { 'pnl.customer.id': customer, 'pnl.customer.tier': tier }),
    });
    // cust_tier: tier price only; cust_mixed: a row for its first 3 days, the tier price after;
    // cust_free: a tier with no price, so no revenue.
    const { json } = await otlpBodies([call('cust_tier', 'pro'), call('cust_mixed', 'team'), call('cust_free', 'free')]);
    expect((await postTraces(svc.url, json, JSON_CT)).status).toBe(200);
    await svc.service.core.writer.flush();
    const put = await fetch(`${svc.url}/api/v1/revenue`, {
      method: 'PUT',
      headers: JSON_CT,
      body: JSON.stringify([{ customer: 'cust_mixed', period_start: monthStart, period_end: addDays(monthStart, 3), amount: 30 }]),
    });
    expect(put.status).toBe(200);
  });
  afterAll(() => svc?.stop());

  it('is, per customer, the revenue the P&L engine computes for the same days', async () => {
    // The dashboard range is whole days [monthStart, today]; the engine's is [monthStart, today + 1).
    const bounds = { from: Date.parse(`${monthStart}T00:00:00Z`) / 1000, to: Date.parse(`${today}T23:59:59Z`) / 1000 };
    const sql = `SELECT customer_id, sum(rev_usd) AS revenue FROM (${revenueDays()}) GROUP BY customer_id ORDER BY customer_id`;
    const rows = await svc.service.core.store.select<{ customer_id: string; revenue: number }>(expandQuery(sql, { ...bounds, intervalSeconds: 60, variables: {} }));
    const summary = await svc.service.engine.summary({ from: monthStart, to: addDays(today, 1) });
    const engine = Object.fromEntries(summary.customers.map((c) => [c.customer, c.revenue]));
    expect(engine['cust_tier']).toBeGreaterThan(0);
    expect(engine['cust_free']).toBe(0);
    const dashboard = Object.fromEntries(rows.map((r) => [r.customer_id, Number(r.revenue)]));
    for (const customer of ['cust_tier', 'cust_mixed']) expect(dashboard[customer], customer).toBeCloseTo(engine[customer]!, 9);
    expect(dashboard['cust_free'] ?? 0).toBe(0);
  });
});
