import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseHttpFacade } from '../helpers/clickhouse-http-facade.js';
import { postTraces } from '../helpers/otlp-payloads.js';
import { metricValue, startTestService, type TestService } from '../helpers/test-service.js';
import { PROTOBUF, uniqueRequests } from '../helpers/unique-requests.js';

/*
 * Remote mode (CLICKHOUSE_URL) through a ClickHouse HTTP endpoint that goes down: every request
 * to it fails with 503 for a while, spans keep arriving, then it answers again. The endpoint is
 * the embedded engine behind ClickHouse's HTTP interface (test/helpers/clickhouse-http-facade.ts;
 * no ClickHouse server runs here), so deduplication of retried inserts is ClickHouse's own.
 */

let facade: ClickHouseHttpFacade;
let svc: TestService;
beforeAll(async () => {
  facade = await ClickHouseHttpFacade.start();
  svc = await startTestService({ clickhouseUrl: facade.url, batchMaxDelayMs: 20 });
});
afterAll(async () => {
  await svc?.stop();
  await facade?.stop();
});

async function stored(): Promise<{ rows: number; distinct: number; dailyCalls: number }> {
  const rs = await facade.client.query({
    query: 'SELECT (SELECT count() FROM pnl.llm_calls) AS rows, (SELECT uniqExact(trace_id, span_id) FROM pnl.llm_calls) AS distinct, (SELECT sum(calls) FROM pnl.llm_costs_daily) AS dailyCalls',
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ rows: number; distinct: number; dailyCalls: number }>();
  return { rows: Number(r!.rows), distinct: Number(r!.distinct), dailyCalls: Number(r!.dailyCalls) };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('storage outage (remote ClickHouse over HTTP)', () => {
  it('spools while the endpoint fails and stores every span exactly once when it is back', async () => {
    const reqs = uniqueRequests(30, 40);
    for (const r of reqs.slice(0, 10)) expect((await postTraces(svc.url, r.body, PROTOBUF)).status).toBe(200);
    await svc.service.core.writer.flush();
    expect(await stored()).toEqual({ rows: 400, distinct: 400, dailyCalls: 400 });

    facade.failing = true;
    for (const r of reqs.slice(10, 25)) expect((await postTraces(svc.url, r.body, PROTOBUF)).status).toBe(200);
    await waitFor('a failed insert', () => svc.service.core.writer.failing);
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { problems: string[] }).problems.join(' ')).toMatch(/inserts failing.*simulated outage/);
    expect(metricValue(await (await fetch(`${svc.url}/metrics`)).text(), 'pnl_clickhouse_insert_errors_total')).toBeGreaterThan(0);
    expect(svc.service.core.spool.bytes).toBeGreaterThan(0);

    facade.failing = false;
    for (const r of reqs.slice(25)) expect((await postTraces(svc.url, r.body, PROTOBUF)).status).toBe(200);
    await waitFor('the spool to drain', () => svc.service.core.writer.bufferedRows === 0 && !svc.service.core.writer.failing);
    await svc.service.core.writer.flush();
    expect(await stored()).toEqual({ rows: 1200, distinct: 1200, dailyCalls: 1200 });
    expect(svc.service.core.spool.bytes).toBe(0);
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
  });
});
