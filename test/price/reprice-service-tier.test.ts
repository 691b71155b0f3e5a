import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repriceCalls } from '../../exporter/src/pnl/reprice.js';
import { createPriceBook } from '../../exporter/src/price/index.js';
import type { PnlStore } from '../../exporter/src/store/pnl-store.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const day = (d: Date): string => d.toISOString().slice(0, 10);
const today = new Date();
const from = day(today);
const to = day(new Date(today.getTime() + 86_400_000));

const call = (customer: string, extra: Record<string, string>) => ({
  name: 'chat gpt-4o-mini',
  attributes: chatAttributes('gpt-4o-mini', { input_tokens: 1_000_000, output_tokens: 100_000 }, { 'pnl.customer.id': customer, ...extra }),
});

/*
 * gpt-4o-mini (catalog $0.15 input, $0.60 output per million), each call 1,000,000 input and 100,000 output:
 *   list:  1_000_000 × 150_000 + 100_000 × 600_000 = 150_000_000_000 + 60_000_000_000 = 210_000_000_000 pico ($0.21)
 *   batch, 50 % off:                                                                    105_000_000_000 pico ($0.105)
 */
const LIST = 210_000_000_000n;
const BATCH = 105_000_000_000n;

describe('service tier through ingest, storage and reprice', () => {
  let svc: TestService;
  let store: PnlStore;
  beforeAll(async () => {
    svc = await startTestService();
    store = svc.service.core.store;
    const { json } = await otlpBodies([
      call('cust_batch', { 'pnl.service_tier': 'batch' }),
      call('cust_flex', { 'openai.response.service_tier': 'flex' }),
      call('cust_plain', {}),
    ]);
    expect((await postTraces(svc.url, json, { 'content-type': 'application/json' })).status).toBe(200);
    await svc.service.core.writer.flush();
  });
  afterAll(() => svc?.stop());

  it('stores the tier each span reported', async () => {
    const rows = await store.select<{ customer_id: string; service_tier: string; cost_usd: string }>(
      'SELECT customer_id, service_tier, toString(cost_usd) AS cost_usd FROM pnl.llm_calls ORDER BY customer_id',
    );
    // No tier override yet: every call at list price, $0.21.
    expect(rows).toEqual([
      { customer_id: 'cust_batch', service_tier: 'batch', cost_usd: '0.21' },
      { customer_id: 'cust_flex', service_tier: 'flex', cost_usd: '0.21' },
      { customer_id: 'cust_plain', service_tier: '', cost_usd: '0.21' },
    ]);
  });

  it('re-rates only the batch call when a batch discount is added, from the stored tier', async () => {
    const book = createPriceBook([{ id: 'openai-batch', provider: 'openai', service_tier: 'batch', discount_percent: 50 }]);
    const r = await repriceCalls(store, book, { from, to, dryRun: false });
    expect(r.calls).toBe(3);
    expect(r.changedCalls).toBe(1);
    const batch = r.differences.find((d) => d.customerId === 'cust_batch');
    expect(batch).toMatchObject({ changedCalls: 1, oldCost: LIST, newCost: BATCH, difference: BATCH - LIST });
    expect(r.differences.filter((d) => d.customerId !== 'cust_batch').every((d) => d.difference === 0n)).toBe(true);

    const rows = await store.select<{ customer_id: string; service_tier: string; cost_usd: string; price_id: string }>(
      'SELECT customer_id, service_tier, toString(cost_usd) AS cost_usd, price_id FROM pnl.llm_calls ORDER BY customer_id',
    );
    expect(rows).toEqual([
      { customer_id: 'cust_batch', service_tier: 'batch', cost_usd: '0.105', price_id: 'override:openai-batch+catalog:openai/gpt-4o-mini' },
      { customer_id: 'cust_flex', service_tier: 'flex', cost_usd: '0.21', price_id: 'catalog:openai/gpt-4o-mini' },
      { customer_id: 'cust_plain', service_tier: '', cost_usd: '0.21', price_id: 'catalog:openai/gpt-4o-mini' },
    ]);
  });
});
