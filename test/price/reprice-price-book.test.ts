import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repriceCalls } from '../../exporter/src/pnl/reprice.js';
import { createPriceBook } from '../../exporter/src/price/index.js';
import type { PnlStore } from '../../exporter/src/store/pnl-store.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const day = (d: Date): string => d.toISOString().slice(0, 10);
const from = day(new Date());
const to = day(new Date(Date.now() + 86_400_000));
const OVERRIDES = [
  { id: 'acme-contract', provider: 'openai', model: 'acme-llm-1', input_mtok: '1.25', output_mtok: '10' },
  { id: 'mini-deal', provider: 'openai', model: 'gpt-4o-mini', discount_percent: '20' },
];

/** Parts of stored price ids (a discount's id names two entries) that have no pnl.price_book row. */
async function orphanPriceIds(store: PnlStore): Promise<string[]> {
  const rows = await store.select<{ id: string }>(
    `SELECT DISTINCT arrayJoin(splitByChar('+', price_id)) AS id FROM pnl.llm_calls
     WHERE price_id != '' AND id NOT IN (SELECT entry_id FROM pnl.price_book) ORDER BY id`,
  );
  return rows.map((r) => r.id);
}

describe('reprice records the price entries it rates with', () => {
  let svc: TestService;
  let store: PnlStore;
  beforeAll(async () => {
    svc = await startTestService();
    store = svc.service.core.store;
    const { json } = await otlpBodies([
      { name: 'chat acme-llm-1', attributes: chatAttributes('acme-llm-1', { input_tokens: 1_000, output_tokens: 10 }) },
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 1_000, output_tokens: 10 }) },
    ]);
    expect((await postTraces(svc.url, json, { 'content-type': 'application/json' })).status).toBe(200);
    await svc.service.core.writer.flush();
    // The service records its own (catalog-only) book at start, without waiting; let that land, then start
    // from an empty table so only what reprice writes is there.
    for (let i = 0; i < 100; i++) {
      const [n] = await store.select<{ n: string }>('SELECT toString(count()) AS n FROM pnl.price_book');
      if (n?.n !== '0') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await store.client.command({ query: 'TRUNCATE TABLE pnl.price_book' });
  });
  afterAll(() => svc?.stop());

  it('writes nothing on a dry run', async () => {
    await repriceCalls(store, createPriceBook(OVERRIDES), { from, to, dryRun: true });
    const [n] = await store.select<{ n: string }>('SELECT toString(count()) AS n FROM pnl.price_book');
    expect(n?.n).toBe('0');
  });

  it('upserts every entry behind the price ids it writes, overrides and the catalog entries they discount', async () => {
    const book = createPriceBook(OVERRIDES);
    const r = await repriceCalls(store, book, { from, to, dryRun: false });
    expect(r.changedCalls).toBe(2);
    const ids = await store.select<{ price_id: string }>('SELECT price_id FROM pnl.llm_calls ORDER BY price_id');
    expect(ids.map((c) => c.price_id)).toEqual(['override:acme-contract', 'override:mini-deal+catalog:openai/gpt-4o-mini']);
    expect(await orphanPriceIds(store)).toEqual([]);
    const rows = await store.select<{ entry_id: string; source: string; provider: string; model: string; prices: Record<string, string>; catalog_version: string }>(
      'SELECT entry_id, source, provider, model, prices, catalog_version FROM pnl.price_book FINAL ORDER BY entry_id',
    );
    const expected = book.entries().filter((e) => ['catalog:openai/gpt-4o-mini', 'override:acme-contract', 'override:mini-deal'].includes(e.entry_id));
    expect(rows).toEqual(expected.map(({ entry_id, source, provider, model, prices, catalog_version }) => ({ entry_id, source, provider, model, prices, catalog_version })));
  });
});
