import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseTarget } from '../../exporter/src/store/open-clickhouse.js';
import { loadMigrations } from '../../exporter/src/store/migrate.js';
import { PnlStore } from '../../exporter/src/store/pnl-store.js';
import { DAILY_COLUMNS } from '../../exporter/src/store/daily-aggregates.js';
import { AGENT_RUN_COLUMNS, LLM_CALL_COLUMNS, OUTCOME_COLUMNS } from '../../exporter/src/store/row-format.js';
import { agentRun, cost, llmCall, priced } from '../helpers/records.js';

/*
 * The store behaviour every target must show. Run on the embedded engine and a server
 * (pnl-store.test.ts) and over HTTP through the facade (pnl-store-http.test.ts).
 */

/** The store suite on a target resolved when it starts (a facade's URL is known only then). */
export function describeStoreSuite(label: string, resolveTarget: (() => Promise<ClickHouseTarget>) | undefined): void {
  describe.skipIf(resolveTarget === undefined)(`PnlStore on ${label}`, () => {
    let store: PnlStore;
    let target: ClickHouseTarget;
    const run = `t${Date.now()}`;
    beforeAll(async () => {
      target = await resolveTarget!();
      store = await PnlStore.open(target);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('applies migrations once and records them', async () => {
      const again = await PnlStore.open(target).catch((e: unknown) => e);
      // A second client on the same embedded path is refused by chdb; on a server it just works.
      if (again instanceof PnlStore) await again.close();
      const rows = await store.select<{ name: string }>('SELECT name FROM pnl.schema_migrations FINAL ORDER BY version');
      // Every file in clickhouse/migrations, in order (read from disk: other migrations are added in parallel).
      expect(rows.map((r) => r.name)).toEqual((await loadMigrations()).map((m) => m.name));
      expect(rows.map((r) => r.name).slice(0, 8)).toEqual(['001_llm_calls', '002_agent_runs', '003_price_book', '004_llm_costs_daily', '005_revenue', '006_budgets', '007_audit_log', '008_outcomes']);
      expect(rows.map((r) => r.name)).toContain('010_llm_calls_service_tier');
    });

    it('writes rows with exactly the columns and types the migrations create', async () => {
      for (const [table, columns] of [['llm_calls', LLM_CALL_COLUMNS], ['agent_runs', AGENT_RUN_COLUMNS], ['outcomes', OUTCOME_COLUMNS], ['llm_costs_daily', DAILY_COLUMNS]] as const) {
        const described = await store.select<{ name: string; type: string }>(
          `SELECT name, type FROM system.columns WHERE database = 'pnl' AND table = {t:String} AND default_kind = '' ORDER BY position`,
          { t: table },
        );
        expect(described.map((c) => [c.name, c.type])).toEqual(columns.map(([n, t]) => [n, t]));
      }
    });

    it('writes a batch of 30,000 calls (over the default 10 MiB Wide-part threshold) as one Compact part, and merges about 10 parts at a time', async () => {
      // Alone in its month, so the part holding these rows is the only one in its partition.
      const at = Date.UTC(2031, 0, 15) * 1000;
      const calls = Array.from({ length: 30_000 }, (_, i) =>
        priced(llmCall({ customerId: `${run}_compact_${i % 50}`, startTimeUs: at + i, attributes: { 'gen_ai.request.temperature': '0.2', 'app.route': `/v1/agents/${i % 7}/run` } }), cost({ input: 1_000n, output: 2_000n })),
      );
      await store.insertBatch({ calls, runs: [], outcomes: [] }, `${run}-compact`);
      const parts = await store.select<{ part_type: string; rows: string; bytes: string }>(
        `SELECT part_type, toString(rows) AS rows, toString(data_uncompressed_bytes) AS bytes FROM system.parts
         WHERE database = 'pnl' AND table = 'llm_calls' AND partition = '203101' AND active`,
      );
      expect(parts.map((p) => [p.part_type, p.rows])).toEqual([['Compact', '30000']]);
      expect(Number(parts[0]!.bytes)).toBeGreaterThan(10 * 2 ** 20);
      // Merged about 10 parts at a time (less write amplification than the default 5).
      const [table] = await store.select<{ engine_full: string }>(`SELECT engine_full FROM system.tables WHERE database = 'pnl' AND name = 'llm_calls'`);
      expect(table!.engine_full).toMatch(/merge_selector_base = 10\b/);
    });

    it('stores priced and unpriced calls with exact costs', async () => {
      const a = llmCall({ customerId: `${run}_a`, serviceTier: 'batch' });
      const b = llmCall({ customerId: `${run}_a`, requestModel: 'mystery-1', provider: 'acme' });
      await store.insertBatch({ calls: [priced(a, cost({ input: 105_000_000n, cacheRead: 22_500_000n, output: 120_000_000n })), priced(b, null)], runs: [], outcomes: [] }, `${run}-1`);
      const rows = await store.select<Record<string, unknown>>(
        `SELECT span_id, toString(start_time) AS start, cost_input_usd, cost_cache_read_usd, cost_output_usd, cost_usd, priced, unpriced_reason,
                input_tokens, input_tokens_reported, cache_read_tokens, output_tokens, attributes, service_tier
         FROM pnl.llm_calls WHERE customer_id = {c:String} ORDER BY priced DESC`,
        { c: `${run}_a` },
      );
      expect(rows).toEqual([
        {
          span_id: a.spanId, start: '2026-11-20 12:00:00.123456',
          cost_input_usd: '0.000105', cost_cache_read_usd: '0.0000225', cost_output_usd: '0.00012', cost_usd: '0.0002475',
          priced: true, unpriced_reason: '', input_tokens: 700, input_tokens_reported: 1000, cache_read_tokens: 300, output_tokens: 200,
          attributes: { 'gen_ai.request.temperature': '0.2' }, service_tier: 'batch',
        },
        {
          span_id: b.spanId, start: '2026-11-20 12:00:00.123456',
          cost_input_usd: null, cost_cache_read_usd: null, cost_output_usd: null, cost_usd: null,
          priced: false, unpriced_reason: 'unknown_model', input_tokens: 700, input_tokens_reported: 1000, cache_read_tokens: 300, output_tokens: 200,
          attributes: { 'gen_ai.request.temperature': '0.2' }, service_tier: '',
        },
      ]);
    });

    it('drops a retried batch with the same dedup token, in rows and daily aggregates', async () => {
      const calls = [1, 2, 3].map(() => priced(llmCall({ customerId: `${run}_d` }), cost({ output: 1_000_000_000n })));
      const runs = [agentRun({ customerId: `${run}_d` })];
      await store.insertBatch({ calls, runs, outcomes: [] }, `${run}-dup`);
      await store.insertBatch({ calls, runs, outcomes: [] }, `${run}-dup`);
      const [n] = await store.select<{ n: number; s: string }>('SELECT count() AS n, toString(sum(cost_usd)) AS s FROM pnl.llm_calls WHERE customer_id = {c:String}', { c: `${run}_d` });
      expect(n).toEqual({ n: 3, s: '0.003' });
      const [daily] = await store.select<{ calls: number; cost: string }>(
        'SELECT sum(calls) AS calls, toString(sum(cost_usd)) AS cost FROM pnl.llm_costs_daily WHERE customer_id = {c:String}',
        { c: `${run}_d` },
      );
      expect(daily).toEqual({ calls: 3, cost: '0.003' });
      const [runsCount] = await store.select<{ n: number }>('SELECT count() AS n FROM pnl.agent_runs WHERE customer_id = {c:String}', { c: `${run}_d` });
      expect(runsCount!.n).toBe(1);
    });

    it('returns recent span keys and the top customers by spend', async () => {
      const keys = await store.recentSpanKeys(24, 100_000);
      expect(keys.length).toBeGreaterThanOrEqual(6);
      const top = await store.topCustomersBySpend(1, 3650);
      expect(top).toEqual([`${run}_d`]);
    });
  });
}
