import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postTraces } from '../helpers/otlp-payloads.js';
import { tempDir } from '../helpers/temp-dir.js';
import { metricValue, startTestService, type TestService } from '../helpers/test-service.js';
import { PROTOBUF, uniqueRequests } from '../helpers/unique-requests.js';

/*
 * ClickHouse outages with the real embedded engine: a table is detached (inserts into it fail
 * the way they do when a server is down or read-only), spans keep arriving and are answered
 * 200 from the spool, the table comes back, and every span ends up stored exactly once.
 */

const dirs: Array<{ remove: () => void }> = [];
afterAll(() => dirs.forEach((d) => d.remove()));

async function stored(svc: TestService): Promise<{ rows: number; distinct: number; dailyCalls: number }> {
  const [r] = await svc.service.core.store.select<{ rows: number; distinct: number }>('SELECT count() AS rows, uniqExact(trace_id, span_id) AS distinct FROM pnl.llm_calls');
  const [d] = await svc.service.core.store.select<{ calls: number }>('SELECT sum(calls) AS calls FROM pnl.llm_costs_daily');
  return { rows: r!.rows, distinct: r!.distinct, dailyCalls: d!.calls };
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const metrics = async (svc: TestService): Promise<string> => (await fetch(`${svc.url}/metrics`)).text();

describe('storage outage (embedded engine)', () => {
  for (const table of ['llm_calls', 'llm_costs_daily'] as const) {
    it(`keeps accepting while pnl.${table} refuses inserts, then stores every span exactly once`, async () => {
      const d = tempDir();
      dirs.push(d);
      const svc = await startTestService({ batchMaxDelayMs: 20, readySpoolBytes: 1000 }, d.path);
      try {
        const reqs = uniqueRequests(30, 50);
        for (const r of reqs.slice(0, 10)) expect((await postTraces(svc.url, r.body, PROTOBUF)).status).toBe(200);
        await svc.service.core.writer.flush();
        expect(await stored(svc)).toEqual({ rows: 500, distinct: 500, dailyCalls: 500 });

        // Outage. With llm_costs_daily detached, a batch's calls commit and its aggregates fail:
        // the retry must not store the calls a second time.
        await svc.service.core.store.client.command({ query: `DETACH TABLE pnl.${table}` });
        for (const r of reqs.slice(10, 25)) expect((await postTraces(svc.url, r.body, PROTOBUF)).status).toBe(200);
        await waitFor('a failed insert', async () => svc.service.core.writer.failing);
        const ready = await fetch(`${svc.url}/readyz`);
        expect(ready.status).toBe(503);
        const body = (await ready.json()) as { problems: string[]; spoolBytes: number };
        expect(body.problems.join(' ')).toMatch(/inserts failing/);
        expect(body.spoolBytes).toBeGreaterThan(1000);
        expect(metricValue(await metrics(svc), 'pnl_spool_bytes')).toBeGreaterThan(0);
        // The oldest waiting batch ages while inserts fail (PnlClickHouseLagHigh reads it).
        const ageOf = async (): Promise<number> => metricValue(await metrics(svc), 'pnl_spool_oldest_batch_age_seconds') ?? -1;
        const firstAge = await ageOf();
        await new Promise((r) => setTimeout(r, 300));
        expect(await ageOf()).toBeGreaterThanOrEqual(firstAge + 0.25);
        // A re-delivery during the outage is still a duplicate: the spool already holds it.
        expect((await postTraces(svc.url, reqs[12]!.body, PROTOBUF)).status).toBe(200);

        await svc.service.core.store.client.command({ query: `ATTACH TABLE pnl.${table}` });
        for (const r of reqs.slice(25)) expect((await postTraces(svc.url, r.body, PROTOBUF)).status).toBe(200);
        await waitFor('the spool to drain', async () => svc.service.core.writer.bufferedRows === 0 && !svc.service.core.writer.failing);
        await svc.service.core.writer.flush();
        expect(await stored(svc)).toEqual({ rows: 1500, distinct: 1500, dailyCalls: 1500 });
        const text = await metrics(svc);
        expect(metricValue(text, 'pnl_spool_bytes')).toBe(0);
        expect(metricValue(text, 'pnl_spool_oldest_batch_age_seconds')).toBe(0);
        expect(metricValue(text, 'pnl_buffer_rows')).toBe(0); // not stale after the last batch drained
        expect(metricValue(text, 'pnl_spans_duplicate_total')).toBe(50);
        expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
      } finally {
        await svc.stop({ keepData: true });
      }
    });
  }

  it('answers 503 with Retry-After when the spool is full, and accepts again once ClickHouse is back', async () => {
    const d = tempDir();
    dirs.push(d);
    const svc = await startTestService({ batchMaxDelayMs: 20, spoolMaxBytes: 200_000 }, d.path);
    try {
      await svc.service.core.store.client.command({ query: 'DETACH TABLE pnl.llm_calls' });
      const reqs = uniqueRequests(40, 50);
      const statuses: number[] = [];
      let refused: Awaited<ReturnType<typeof postTraces>> | undefined;
      for (const r of reqs) {
        const res = await postTraces(svc.url, r.body, PROTOBUF);
        statuses.push(res.status);
        if (res.status === 503) {
          refused = res;
          break;
        }
      }
      expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused?.text).toMatch(/spool holds \d+ of at most 200000 bytes/);
      const acknowledged = statuses.filter((s) => s === 200).length;
      expect(acknowledged).toBeGreaterThan(0);
      expect(metricValue(await metrics(svc), 'pnl_spans_rejected_total', { reason: 'spool_full' })).toBe(50);

      await svc.service.core.store.client.command({ query: 'ATTACH TABLE pnl.llm_calls' });
      await waitFor('the spool to drain', async () => svc.service.core.writer.bufferedRows === 0);
      // The refused request is retried, as an OTLP sender does after Retry-After.
      expect((await postTraces(svc.url, reqs[acknowledged]!.body, PROTOBUF)).status).toBe(200);
      await svc.service.core.writer.flush();
      expect(await stored(svc)).toEqual({ rows: (acknowledged + 1) * 50, distinct: (acknowledged + 1) * 50, dailyCalls: (acknowledged + 1) * 50 });
    } finally {
      await svc.stop();
    }
  });

  it('writes what an earlier process spooled but never committed, once, after a restart', async () => {
    const d = tempDir();
    dirs.push(d);
    const reqs = uniqueRequests(12, 50);
    const first = await startTestService({ batchMaxDelayMs: 20 }, d.path);
    await first.service.core.store.client.command({ query: 'DETACH TABLE pnl.llm_calls' });
    for (const r of reqs.slice(0, 8)) expect((await postTraces(first.url, r.body, PROTOBUF)).status).toBe(200);
    await waitFor('a failed insert', async () => first.service.core.writer.failing);
    // Shut down during the outage: the service gives up after the grace period, batches stay spooled.
    await first.service.core.writer.close(100);
    await first.stop({ keepData: true });

    // A detached (not permanently) table is attached again when the engine opens the data dir.
    // A memory budget of 120 rows: most spooled batches are read back from disk in their turn,
    // yet all their spans are known as seen from the start.
    expect(readdirSync(join(d.path, 'spool')).filter((n) => n.endsWith('.wal')).length).toBeGreaterThan(1);
    const second = await startTestService({ batchMaxDelayMs: 20, bufferMaxRows: 120 }, d.path);
    try {
      await waitFor('the replay', async () => second.service.core.writer.bufferedRows === 0);
      await second.service.core.writer.flush();
      expect(await stored(second)).toEqual({ rows: 400, distinct: 400, dailyCalls: 400 });
      // The spooled spans are known: the sender's retries are duplicates, new spans are stored.
      for (const r of reqs) expect((await postTraces(second.url, r.body, PROTOBUF)).status).toBe(200);
      await second.service.core.writer.flush();
      expect(await stored(second)).toEqual({ rows: 600, distinct: 600, dailyCalls: 600 });
      expect(metricValue(await metrics(second), 'pnl_spans_duplicate_total')).toBe(400);
    } finally {
      await second.stop();
    }
  });
});
