import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../exporter/src/log/logger.js';
import { compareInvoice, type Reconciliation } from '../../exporter/src/reconcile/compare-invoice.js';
import { INVOICE_GAUGE_WINDOW_DAYS, InvoiceGauges } from '../../exporter/src/reconcile/invoice-gauges.js';
import { metricValue } from '../helpers/test-service.js';

const USD = 1_000_000_000_000n;
const D1 = '2026-03-01';
const D2 = '2026-03-02';

/** Two days of openai/gpt-4o (+1 % and -5 %), a model only we rated on D1 and one only the invoice has. */
const RECONCILIATION = compareInvoice(
  [
    { day: D1, provider: 'openai', model: 'gpt-4o', costPico: 101n * USD, calls: 1, unpricedCalls: 0 },
    { day: D2, provider: 'openai', model: 'gpt-4o-2024-08-06', costPico: 95n * USD, calls: 1, unpricedCalls: 0 },
    { day: D1, provider: 'openai', model: 'gpt-4.1-mini', costPico: 2n * USD, calls: 1, unpricedCalls: 0 },
  ],
  [
    { day: D1, provider: 'openai', model: 'gpt-4o-2024-08-06', costPico: 100n * USD, lineItems: 1 },
    { day: D2, provider: 'openai', model: 'gpt-4o-2024-08-06', costPico: 100n * USD, lineItems: 1 },
    { day: D2, provider: 'openai', model: 'o3-2025-04-16', costPico: 3n * USD, lineItems: 1 },
  ],
  { tolerancePct: 2 },
);

function gauges(compute: (range: { from: string; to: string }) => Promise<Reconciliation>, maxAgeMs = 60_000): { registry: Registry; gauges: InvoiceGauges } {
  const registry = new Registry();
  return { registry, gauges: new InvoiceGauges(registry, compute, 2.5, createLogger('silent'), maxAgeMs) };
}

describe('invoice gauges', () => {
  it('publish, per provider and model, the worst day of the window, signed, and the tolerance', async () => {
    const ranges: Array<{ from: string; to: string }> = [];
    const { registry, gauges: g } = gauges(async (range) => (ranges.push(range), RECONCILIATION));
    await g.refresh(new Date('2026-03-10T08:00:00Z'));
    expect(ranges).toEqual([{ from: '2026-01-24', to: '2026-03-11' }]); // 45 days back, tomorrow exclusive
    expect(INVOICE_GAUGE_WINDOW_DAYS).toBe(45);
    const text = await registry.metrics();
    expect(metricValue(text, 'pnl_invoice_variance_ratio', { provider: 'openai', model: 'gpt-4o' })).toBeCloseTo(-0.05, 14);
    expect(metricValue(text, 'pnl_invoice_variance_usd', { provider: 'openai', model: 'gpt-4o' })).toBe(-5);
    expect(text).toContain('pnl_invoice_variance_ratio{provider="openai",model="gpt-4-1-mini"} +Inf\n'); // rated, not invoiced
    expect(metricValue(text, 'pnl_invoice_variance_usd', { provider: 'openai', model: 'gpt-4-1-mini' })).toBe(2);
    expect(metricValue(text, 'pnl_invoice_variance_ratio', { provider: 'openai', model: 'o3' })).toBe(-1);
    expect(metricValue(text, 'pnl_invoice_tolerance_ratio')).toBe(0.025);
  });

  it('refresh when scraped once stale, and keep the last values when ClickHouse fails', async () => {
    let calls = 0;
    let fail = false;
    const { registry } = gauges(async () => {
      calls += 1;
      if (fail) throw new Error('clickhouse down');
      return RECONCILIATION;
    }, 0);
    expect(metricValue(await registry.metrics(), 'pnl_invoice_variance_usd', { provider: 'openai', model: 'gpt-4o' })).toBe(-5);
    fail = true;
    const text = await registry.metrics();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(metricValue(text, 'pnl_invoice_variance_usd', { provider: 'openai', model: 'gpt-4o' })).toBe(-5);
  });

  it('do not hold a scrape for more than about a second when ClickHouse hangs', async () => {
    let release: (r: Reconciliation) => void = () => undefined;
    const { registry } = gauges(() => new Promise<Reconciliation>((resolve) => (release = resolve)));
    const started = Date.now();
    const text = await registry.metrics();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(3000);
    expect(metricValue(text, 'pnl_invoice_variance_ratio', { provider: 'openai', model: 'gpt-4o' })).toBeUndefined();
    expect(metricValue(text, 'pnl_invoice_tolerance_ratio')).toBe(0.025);
    release(RECONCILIATION);
    await new Promise((r) => setTimeout(r, 10));
    expect(metricValue(await registry.metrics(), 'pnl_invoice_variance_ratio', { provider: 'openai', model: 'gpt-4o' })).toBeCloseTo(-0.05, 14);
  });

  it('after an import, wait for a run that began after it, not one a scrape started before', async () => {
    // The first compute (a scrape's) reads the rows before the import and is slow to answer.
    const before = compareInvoice([], [{ day: D1, provider: 'openai', model: 'gpt-4o', costPico: 100n * USD, lineItems: 1 }], { tolerancePct: 2 });
    let release!: () => void;
    const pending = new Promise<void>((r) => (release = r));
    let calls = 0;
    const { registry, gauges: g } = gauges(async () => {
      calls += 1;
      if (calls === 1) {
        await pending;
        return before;
      }
      return RECONCILIATION;
    });
    const scrape = g.refresh();
    const afterImport = g.refreshAfterChange();
    release();
    await Promise.all([scrape, afterImport]);
    expect(calls).toBe(2);
    expect(metricValue(await registry.metrics(), 'pnl_invoice_variance_usd', { provider: 'openai', model: 'gpt-4o' })).toBe(-5);
    // With nothing in flight, one run.
    await g.refreshAfterChange();
    expect(calls).toBe(3);
  });
});
