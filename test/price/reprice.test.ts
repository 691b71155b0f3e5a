import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { registerRepriceCommand } from '../../exporter/src/cli/prices-command.js';
import { decimalToPico, repriceCalls, type RepriceResult } from '../../exporter/src/pnl/reprice.js';
import { createPriceBook } from '../../exporter/src/price/index.js';
import type { PnlStore } from '../../exporter/src/store/pnl-store.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const JSON_CT = { 'content-type': 'application/json' };
const day = (d: Date): string => d.toISOString().slice(0, 10);
const today = new Date();
const from = day(today);
const to = day(new Date(today.getTime() + 86_400_000));

const call = (customer: string, model: string, usage: { input_tokens: number; output_tokens: number }) => ({
  name: `chat ${model}`,
  attributes: chatAttributes(model, usage, { 'pnl.customer.id': customer, 'pnl.customer.tier': 'pro' }),
});

/*
 * Hand-computed expectations. The override prices acme-llm-1 (unknown to the catalog) at $1.25 per million
 * input tokens and $10 per million output tokens.
 *   cust_a: 2 x acme-llm-1 (1,000,000 in, 500,000 out) = 2 x ($1.25 + $5.00) = $12.50, was unpriced
 *   cust_a: 1 x gpt-4o-mini (1,000,000 in)             = $0.15 (catalog, unchanged)
 *   cust_b: 1 x acme-llm-1 (2,000,000 in, 0 out)        = $2.50, was unpriced
 * Stored total moves from $0.15 to $15.15.
 */
const OVERRIDE = [{ id: 'acme-contract', provider: 'openai', model: 'acme-llm-1', input_mtok: '1.25', output_mtok: '10' }];
const USD = (s: string): bigint => decimalToPico(s);

/** Everything reprice may touch, in a stable order, for before/after comparisons. */
async function snapshot(store: PnlStore) {
  const calls = await store.select<Record<string, unknown>>(
    `SELECT trace_id, span_id, customer_id, request_model, customer_tier, ingested_at, input_tokens, output_tokens,
            cost_input_usd, cost_cache_read_usd, cost_cache_write_usd, cost_output_usd, cost_request_usd, cost_usd,
            priced, unpriced_reason, price_id, price_source
     FROM pnl.llm_calls ORDER BY span_id`,
  );
  const daily = await store.select<Record<string, unknown>>(
    `SELECT day, customer_id, feature_id, provider, model, attempt_reason, sum(calls) AS calls, sum(unpriced_calls) AS unpriced,
            sum(input_tokens) AS s_input_tokens, sum(output_tokens) AS s_output_tokens, sum(cost_usd) AS cost, sum(duration_us) AS s_duration_us,
            any(customer_tier) AS tier
     FROM pnl.llm_costs_daily GROUP BY ALL ORDER BY ALL`,
  );
  const [totals] = await store.select<{ rows: number; cost: string; unpriced: number }>(
    `SELECT count() AS rows, toString(sum(cost_usd)) AS cost, countIf(NOT priced) AS unpriced FROM pnl.llm_calls`,
  );
  return { calls, daily, totals };
}

/** The daily aggregates as a fresh GROUP BY of llm_calls would give them. */
async function dailyFromCalls(store: PnlStore) {
  return store.select<Record<string, unknown>>(
    `SELECT toDate(start_time) AS day, customer_id, feature_id, provider, request_model AS model, attempt_reason,
            count() AS calls, countIf(cost_usd IS NULL) AS unpriced, sum(toUInt64(input_tokens)) AS s_input_tokens,
            sum(toUInt64(output_tokens)) AS s_output_tokens, ifNull(sum(cost_usd), toDecimal128(0, 12)) AS cost,
            sum(duration_us) AS s_duration_us, any(customer_tier) AS tier
     FROM pnl.llm_calls GROUP BY ALL ORDER BY ALL`,
  );
}

function diffOf(r: RepriceResult, customer: string, model: string) {
  return r.differences.find((d) => d.customerId === customer && d.model === model);
}

describe('reprice on calls ingested by the real service', () => {
  let svc: TestService;
  let store: PnlStore;
  beforeAll(async () => {
    svc = await startTestService();
    store = svc.service.core.store;
    const { json } = await otlpBodies([
      call('cust_a', 'acme-llm-1', { input_tokens: 1_000_000, output_tokens: 500_000 }),
      call('cust_a', 'acme-llm-1', { input_tokens: 1_000_000, output_tokens: 500_000 }),
      call('cust_a', 'gpt-4o-mini', { input_tokens: 1_000_000, output_tokens: 0 }),
      call('cust_b', 'acme-llm-1', { input_tokens: 2_000_000, output_tokens: 0 }),
    ]);
    expect((await postTraces(svc.url, json, JSON_CT)).status).toBe(200);
    await svc.service.core.writer.flush();
  });
  afterAll(() => svc?.stop());

  it('stored the unknown model unpriced to begin with', async () => {
    const s = await snapshot(store);
    expect(s.totals).toEqual({ rows: 4, cost: '0.15', unpriced: 3 });
    expect(s.calls.filter((c) => c['request_model'] === 'acme-llm-1').map((c) => [c['cost_usd'], c['unpriced_reason']])).toEqual([
      [null, 'unknown_model'], [null, 'unknown_model'], [null, 'unknown_model'],
    ]);
  });

  it('with the catalog only, changes nothing', async () => {
    const before = await snapshot(store);
    const r = await repriceCalls(store, createPriceBook(), { from, to, dryRun: false });
    expect(r.calls).toBe(4);
    expect(r.changedCalls).toBe(0);
    expect(r.rewrittenMonths).toEqual([]);
    expect(r.differences.every((d) => d.difference === 0n && d.newlyPriced === 0)).toBe(true);
    const after = await snapshot(store);
    expect(after.calls).toEqual(before.calls);
    expect(after.daily).toEqual(before.daily);
  });

  it('dry run reports the exact differences and writes nothing', async () => {
    const before = await snapshot(store);
    const progress: string[] = [];
    const r = await repriceCalls(store, createPriceBook(OVERRIDE), { from, to, dryRun: true, onProgress: (m) => progress.push(m) });
    expect(r.changedCalls).toBe(3);
    expect(diffOf(r, 'cust_a', 'acme-llm-1')).toMatchObject({ calls: 2, changedCalls: 2, newlyPriced: 2, oldCost: 0n, newCost: USD('12.5'), difference: USD('12.5') });
    expect(diffOf(r, 'cust_b', 'acme-llm-1')).toMatchObject({ calls: 1, newlyPriced: 1, oldCost: 0n, newCost: USD('2.5'), difference: USD('2.5') });
    expect(diffOf(r, 'cust_a', 'gpt-4o-mini')).toMatchObject({ calls: 1, changedCalls: 0, oldCost: USD('0.15'), newCost: USD('0.15'), difference: 0n });
    expect(r.rewrittenMonths).toEqual([]);
    expect(r.rebuiltDailyMonths).toEqual([]);
    expect(progress.length).toBeGreaterThan(0);
    const after = await snapshot(store);
    expect(after).toEqual(before);
  });

  it('prices the unknown model after the override; totals move by exactly $15.00', async () => {
    const before = await snapshot(store);
    const r = await repriceCalls(store, createPriceBook(OVERRIDE), { from, to, dryRun: false });
    expect(r.changedCalls).toBe(3);
    expect(r.rewrittenMonths).toHaveLength(1);
    const after = await snapshot(store);
    expect(after.totals).toEqual({ rows: 4, cost: '15.15', unpriced: 0 });
    expect(USD(after.totals!.cost) - USD(before.totals!.cost)).toBe(USD('15'));
    const acme = after.calls.filter((c) => c['request_model'] === 'acme-llm-1');
    const got = acme.map((c) => [c['customer_id'], c['cost_input_usd'], c['cost_output_usd'], c['cost_usd'], c['priced'], c['unpriced_reason'], c['price_source']]);
    expect(got.sort((x, y) => String(x[0]).localeCompare(String(y[0])))).toEqual([
      ['cust_a', '1.25', '5', '6.25', true, '', 'override'],
      ['cust_a', '1.25', '5', '6.25', true, '', 'override'],
      ['cust_b', '2.5', '0', '2.5', true, '', 'override'],
    ]);
    expect(acme.every((c) => String(c['price_id']).startsWith('override:acme-contract'))).toBe(true);
    // Nothing but the price columns changed: same rows, same attribution, same ingestion time.
    const strip = (rows: Record<string, unknown>[]) => rows.map((c) => [c['trace_id'], c['span_id'], c['customer_id'], c['customer_tier'], c['ingested_at'], c['input_tokens']]);
    expect(strip(after.calls)).toEqual(strip(before.calls));
    // Daily aggregates follow: $15.15 in total, nothing unpriced, equal to a fresh GROUP BY of the calls.
    expect(after.daily).toEqual(await dailyFromCalls(store));
    const dailyCost = after.daily.reduce((s, d) => s + USD(String(d['cost'])), 0n);
    expect(dailyCost).toBe(USD('15.15'));
    expect(after.daily.find((d) => d['customer_id'] === 'cust_b')).toMatchObject({ cost: '2.5', unpriced: 0, calls: 1, tier: 'pro' });
  });

  it('running it again changes nothing', async () => {
    const before = await snapshot(store);
    const r = await repriceCalls(store, createPriceBook(OVERRIDE), { from, to, dryRun: false });
    expect(r.changedCalls).toBe(0);
    expect(r.differences.every((d) => d.difference === 0n && d.newlyPriced === 0)).toBe(true);
    const after = await snapshot(store);
    expect(after).toEqual(before);
    expect(after.daily).toEqual(await dailyFromCalls(store));
  });

  it('--customer limits the rewrite to that customer; the command requires --from', async () => {
    const cheaper = createPriceBook([{ ...OVERRIDE[0]!, input_mtok: '1' }]);
    const r = await repriceCalls(store, cheaper, { from, to, customer: 'cust_b', dryRun: false });
    expect(r.differences.map((d) => [d.customerId, d.difference])).toEqual([['cust_b', -USD('0.5')]]);
    const s = await snapshot(store);
    expect(s.totals).toEqual({ rows: 4, cost: '14.65', unpriced: 0 });
    expect(s.daily).toEqual(await dailyFromCalls(store));

    // The reprice command on the running service's store in dry-run mode would need the data dir, which the
    // embedded engine holds; its registration and option parsing are checked here.
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    registerRepriceCommand(program, { out: () => undefined, err: () => undefined });
    await expect(program.parseAsync(['node', 'x', 'reprice', '--to', to])).rejects.toThrow(/--from/);
  });
});

describe('agentic-pnl reprice (CLI) on the data directory of a stopped service', () => {
  it('dry run prints the differences; the real run rewrites; the JSON output has exact decimals', async () => {
    const svc = await startTestService();
    const { json } = await otlpBodies([call('cust_c', 'acme-llm-1', { input_tokens: 4_000_000, output_tokens: 100_000 })]);
    expect((await postTraces(svc.url, json, JSON_CT)).status).toBe(200);
    await svc.service.core.writer.flush();
    await svc.stop({ keepData: true });
    const file = join(svc.dataDir, 'prices.yaml');
    writeFileSync(file, "version: 1\noverrides:\n  - id: acme-contract\n    provider: openai\n    model: acme-llm-1\n    input_mtok: '1.25'\n    output_mtok: '10'\n");
    const run = async (args: string[]) => {
      let out = '';
      let err = '';
      const program = new Command().exitOverride();
      registerRepriceCommand(program, { out: (t) => (out += t), err: (t) => (err += t) });
      await program.parseAsync(['node', 'agentic-pnl', 'reprice', '--from', from, '--to', to, '--data-dir', svc.dataDir, '--prices-file', file, ...args]);
      return { out, err };
    };
    try {
      // 4,000,000 x $1.25/M + 100,000 x $10/M = $5.00 + $1.00 = $6.00, newly priced.
      const dry = await run(['--dry-run']);
      expect(dry.err).toMatch(/reprice: \d+: 1 calls read/);
      expect(dry.out).toMatch(/^cust_c\s+openai\s+acme-llm-1\s+1\s+1\s+1\s+0\.000000\s+6\.000000\s+\+6\.000000$/m);
      expect(dry.out).toMatch(/^dry run: nothing written\. 1 calls, 1 priced differently, total difference \+6\.000000000000 USD$/m);
      const real = await run(['--json']);
      const result = JSON.parse(real.out) as { changedCalls: number; differences: Array<{ newCost: string; difference: string; newlyPriced: number }> };
      expect(result.changedCalls).toBe(1);
      expect(result.differences).toEqual([expect.objectContaining({ newCost: '6.000000000000', difference: '6.000000000000', newlyPriced: 1 })]);
      const again = JSON.parse((await run(['--json'])).out) as { changedCalls: number };
      expect(again.changedCalls).toBe(0);
    } finally {
      rmSync(svc.dataDir, { recursive: true, force: true });
    }
  });
});
