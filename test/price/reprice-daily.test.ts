import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repriceCalls } from '../../exporter/src/pnl/reprice.js';
import { createPriceBook } from '../../exporter/src/price/index.js';
import type { PnlStore } from '../../exporter/src/store/pnl-store.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const day = (d: Date): string => d.toISOString().slice(0, 10);
const now = new Date();
const today = day(now);
const tomorrow = day(new Date(now.getTime() + 86_400_000));
// Today's month, so the rebuilt partition is the one that holds the day whose raw calls are gone.
const monthStart = `${today.slice(0, 8)}01`;
// acme-llm-1 is unknown to the catalog: unpriced at ingest, 1,000,000 input tokens at $2 per million after the override.
const OVERRIDE = [{ id: 'acme-contract', provider: 'openai', model: 'acme-llm-1', input_mtok: '2', output_mtok: '10' }];

/** A daily row with no raw calls behind it: what is left once raw retention (shorter than aggregate retention) expired them. */
const EXPIRED_ROW = {
  day: monthStart, customer_id: 'cust_old', feature_id: 'chat', provider: 'openai', model: 'gpt-4o', attempt_reason: '',
  calls: 4, error_calls: 0, unpriced_calls: 0, input_tokens: 40_000, cache_read_tokens: 0, cache_write_tokens: 0, output_tokens: 4_000,
  reasoning_tokens: 0, cost_usd: '0.14', duration_us: 4_000_000, customer_tier: 'pro',
};

async function insertDaily(store: PnlStore, row: Record<string, unknown>): Promise<void> {
  // A fresh token: the embedded engine keeps the last insert's token on the session (see reprice.ts).
  await store.client.insert({ table: 'pnl.llm_costs_daily', values: [row], format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: randomUUID() } });
}

async function daily(store: PnlStore) {
  return store.select<{ day: string; customer_id: string; model: string; calls: string; unpriced: string; cost: string }>(
    `SELECT toString(day) AS day, customer_id, model, toString(sum(calls)) AS calls, toString(sum(unpriced_calls)) AS unpriced, toString(sum(cost_usd)) AS cost
     FROM pnl.llm_costs_daily GROUP BY day, customer_id, model ORDER BY day, customer_id, model`,
  );
}

describe('reprice rebuilds only the daily aggregates it has raw calls for', () => {
  let svc: TestService;
  let store: PnlStore;
  beforeAll(async () => {
    svc = await startTestService();
    store = svc.service.core.store;
    const call = { name: 'chat acme-llm-1', attributes: chatAttributes('acme-llm-1', { input_tokens: 1_000_000, output_tokens: 0 }, { 'pnl.customer.id': 'cust_a' }) };
    const { json } = await otlpBodies([call, call]);
    expect((await postTraces(svc.url, json, { 'content-type': 'application/json' })).status).toBe(200);
    await svc.service.core.writer.flush();
    await insertDaily(store, EXPIRED_ROW);
  });
  afterAll(() => svc?.stop());

  it('keeps the daily rows of days in the range whose raw calls expired, and rebuilds the others', async () => {
    const expired = { day: monthStart, customer_id: 'cust_old', model: 'gpt-4o', calls: '4', unpriced: '0', cost: '0.14' };
    expect(await daily(store)).toContainEqual(expired);
    const r = await repriceCalls(store, createPriceBook(OVERRIDE), { from: monthStart, to: tomorrow, dryRun: false });
    expect(r.changedCalls).toBe(2);
    expect(await daily(store)).toEqual(
      [expired, { day: today, customer_id: 'cust_a', model: 'acme-llm-1', calls: '2', unpriced: '0', cost: '4' }].sort((a, b) => a.day.localeCompare(b.day) || a.customer_id.localeCompare(b.customer_id)),
    );
  });
});

describe('reprice refuses a day whose raw calls partly expired', () => {
  it('names the day and customer and writes nothing; a dry run still reports', async () => {
    const svc = await startTestService();
    try {
      const store = svc.service.core.store;
      const call = { name: 'chat acme-llm-1', attributes: chatAttributes('acme-llm-1', { input_tokens: 1_000_000, output_tokens: 0 }, { 'pnl.customer.id': 'cust_a' }) };
      const { json } = await otlpBodies([call, call]);
      expect((await postTraces(svc.url, json, { 'content-type': 'application/json' })).status).toBe(200);
      await svc.service.core.writer.flush();
      // Three more calls of the same day and customer that the daily rows still count but llm_calls no longer holds.
      await insertDaily(store, { ...EXPIRED_ROW, day: today, customer_id: 'cust_a', calls: 3, cost_usd: '0.3' });
      const before = await daily(store);
      const book = createPriceBook(OVERRIDE);
      await expect(repriceCalls(store, book, { from: monthStart, to: tomorrow, dryRun: false })).rejects.toThrow(
        new RegExp(`partly expired: ${today} "cust_a" \\(5 calls aggregated, 2 stored\\).*Nothing was written.*leaves out ${today}`),
      );
      expect(await daily(store)).toEqual(before);
      const [unchanged] = await store.select<{ n: string }>(`SELECT toString(countIf(priced)) AS n FROM pnl.llm_calls`);
      expect(unchanged?.n).toBe('0');
      expect((await repriceCalls(store, book, { from: monthStart, to: tomorrow, dryRun: true })).changedCalls).toBe(2);
    } finally {
      await svc.stop();
    }
  });
});
