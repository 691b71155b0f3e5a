import { describe, expect, it } from 'vitest';
import { compareInvoice, judge, toleranceMicroPct, type RatedTotal } from '../../exporter/src/reconcile/compare-invoice.js';
import { modelKey, parseModelAliases } from '../../exporter/src/reconcile/model-key.js';
import type { InvoiceTotal } from '../../exporter/src/reconcile/parse-invoice-csv.js';

const USD = 1_000_000_000_000n;
const rated = (day: string, provider: string, model: string, usd: bigint, calls = 10, unpricedCalls = 0): RatedTotal => ({ day, provider, model, costPico: usd, calls, unpricedCalls });
const billed = (day: string, provider: string, model: string, usd: bigint, lineItems = 2): InvoiceTotal => ({ day, provider, model, costPico: usd, lineItems });

describe('model matching', () => {
  it.each([
    ['gpt-4o-mini', 'gpt-4o-mini'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['o3-2025-04-16', 'o3'],
    ['gpt-4-0613', 'gpt-4'],
    ['gpt-3.5-turbo-0125', 'gpt-3-5-turbo'],
    ['gpt-4.1', 'gpt-4-1'],
    ['claude-sonnet-4-20250514', 'claude-sonnet-4'],
    ['Claude Sonnet 4', 'claude-sonnet-4'],
    ['Claude Haiku 4.5', 'claude-haiku-4-5'],
    ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['Claude 3.5 Haiku', 'claude-3-5-haiku'],
    ['claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['claude-3-5-sonnet@20241022', 'claude-3-5-sonnet'],
    ['  GPT-4o  ', 'gpt-4o'],
    ['text-embedding-3-small', 'text-embedding-3-small'],
    ['ft:gpt-4o-mini-2024-07-18:acme::abc123', 'ft:gpt-4o-mini-2024-07-18:acme::abc123'],
    ['llama-3.3-70b', 'llama-3-3-70b'],
  ])('matches %j as %j', (name, key) => {
    expect(modelKey(name)).toBe(key);
  });

  it('applies aliases by name, without case, before the automatic rules', () => {
    const aliases = parseModelAliases('{"Claude Sonnet 4 (Legacy)": "claude-sonnet-4-0", "claude-sonnet-4-0": "claude-sonnet-4"}')!;
    expect(modelKey('claude sonnet 4 (legacy)', aliases)).toBe('claude-sonnet-4-0');
    expect(modelKey('claude-sonnet-4-0', aliases)).toBe('claude-sonnet-4');
    expect(modelKey('claude-sonnet-4-0')).toBe('claude-sonnet-4-0');
  });

  it('rejects aliases that are not an object of names', () => {
    for (const bad of ['[]', '{"a": 1}', '{"a": ""}', 'not json', '"x"', 'null']) expect(parseModelAliases(bad), bad).toBeUndefined();
    expect(parseModelAliases(undefined)?.size).toBe(0);
  });
});

describe('variance and tolerance', () => {
  const two = toleranceMicroPct(2);
  it.each<[string, bigint, bigint, number | null, boolean]>([
    ['equal', 100n * USD, 100n * USD, 0, false],
    ['exactly 2 % under the invoice: within', 98n * USD, 100n * USD, -0.02, false],
    ['exactly 2 % over the invoice: within', 102n * USD, 100n * USD, 0.02, false],
    ['one pico-dollar past 2 %: flagged', 102n * USD + 1n, 100n * USD, 0.02 + 1e-14, true],
    ['5 % under: flagged', 95n * USD, 100n * USD, -0.05, true],
    ['invoice 5 % above us: flagged', 100n * USD, 105n * USD, -1 / 21, true],
    ['nothing rated, something billed', 0n, 3n * USD, -1, true],
    ['rated, nothing billed', 3n * USD, 0n, null, true],
    ['both zero', 0n, 0n, 0, false],
    ['a credit (negative invoice) compared by magnitude', -99n * USD, -100n * USD, 0.01, false],
  ])('%s', (_what, ours, invoice, ratio, flagged) => {
    const j = judge(ours, invoice, two);
    expect(j.diffPico).toBe(ours - invoice);
    expect(j.flagged).toBe(flagged);
    if (ratio === null) expect(j.varianceRatio).toBeNull();
    else expect(j.varianceRatio).toBeCloseTo(ratio, 14);
  });

  it('takes fractional tolerances exactly', () => {
    expect(toleranceMicroPct(0.5)).toBe(500_000n);
    expect(judge(1005n, 1000n, toleranceMicroPct(0.5)).flagged).toBe(false);
    expect(judge(1006n, 1000n, toleranceMicroPct(0.5)).flagged).toBe(true);
    expect(judge(1001n, 1000n, toleranceMicroPct(0)).flagged).toBe(true);
  });
});

describe('comparing rated totals with an invoice', () => {
  const D1 = '2026-03-01';
  const D2 = '2026-03-02';
  const D3 = '2026-03-03';

  it('flags the day that differs by 5 % and keeps days within 2 % unflagged, per model and per day', () => {
    const r = compareInvoice(
      [rated(D1, 'openai', 'gpt-4o-mini', 100n * USD), rated(D2, 'openai', 'gpt-4o-mini', 100n * USD), rated(D3, 'openai', 'gpt-4o-mini', 100n * USD)],
      [billed(D1, 'openai', 'gpt-4o-mini-2024-07-18', 101n * USD), billed(D2, 'openai', 'gpt-4o-mini-2024-07-18', 105n * USD), billed(D3, 'openai', 'gpt-4o-mini-2024-07-18', 99n * USD)],
      { tolerancePct: 2 },
    );
    expect(r.rows.map((x) => [x.day, x.model, x.status, x.flagged])).toEqual([
      [D1, 'gpt-4o-mini', 'matched', false],
      [D2, 'gpt-4o-mini', 'matched', true],
      [D3, 'gpt-4o-mini', 'matched', false],
    ]);
    expect(r.rows[1]).toMatchObject({ ratedModels: ['gpt-4o-mini'], invoiceModels: ['gpt-4o-mini-2024-07-18'], ratedPico: 100n * USD, invoicePico: 105n * USD, diffPico: -5n * USD, calls: 10, lineItems: 2 });
    expect(r.days.map((d) => [d.day, d.flagged])).toEqual([[D1, false], [D2, true], [D3, false]]);
    expect(r.uninvoiced).toEqual([]);
  });

  it('reports a model only the invoice has (missing instrumentation) and one only we have, both flagged', () => {
    const r = compareInvoice(
      [rated(D1, 'anthropic', 'claude-sonnet-4-20250514', 10n * USD), rated(D1, 'anthropic', 'claude-3-5-haiku-latest', 2n * USD)],
      [billed(D1, 'anthropic', 'Claude Sonnet 4', 10n * USD), billed(D1, 'anthropic', 'Claude Opus 4.1', 7n * USD)],
      { tolerancePct: 2 },
    );
    expect(r.rows.map((x) => [x.model, x.status, x.flagged, x.varianceRatio])).toEqual([
      ['claude-3-5-haiku', 'rated_only', true, null],
      ['claude-opus-4-1', 'invoice_only', true, -1],
      ['claude-sonnet-4', 'matched', false, 0],
    ]);
    expect(r.days).toEqual([{ day: D1, provider: 'anthropic', ratedPico: 12n * USD, invoicePico: 17n * USD, diffPico: -5n * USD, varianceRatio: -5 / 17, flagged: true }]);
  });

  it('compares only the days and providers the invoice covers; our other cost is summed as uninvoiced', () => {
    const r = compareInvoice(
      [rated(D1, 'openai', 'gpt-4o', 5n * USD), rated(D2, 'openai', 'gpt-4o', 6n * USD), rated(D3, 'openai', 'gpt-4o', 7n * USD), rated(D1, 'google', 'gemini-2.5-pro', 1n * USD)],
      [billed(D1, 'openai', 'gpt-4o-2024-08-06', 5n * USD)],
      { tolerancePct: 2 },
    );
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]!.flagged).toBe(false);
    expect(r.uninvoiced).toEqual([
      { provider: 'google', days: 1, ratedPico: 1n * USD },
      { provider: 'openai', days: 2, ratedPico: 13n * USD },
    ]);
  });

  it('compares a covered day that billed nothing against 0: our cost there is flagged, not uninvoiced', () => {
    const r = compareInvoice(
      [rated(D1, 'openai', 'gpt-4o', 5n * USD), rated(D2, 'openai', 'gpt-4o', 6n * USD), rated(D2, 'google', 'gemini-2.5-pro', 1n * USD)],
      [billed(D1, 'openai', 'gpt-4o', 5n * USD)],
      { tolerancePct: 2 },
      [{ day: D1, provider: 'openai' }, { day: D2, provider: 'openai' }],
    );
    expect(r.rows.map((x) => [x.day, x.provider, x.status, x.invoicePico, x.flagged, x.varianceRatio])).toEqual([
      [D1, 'openai', 'matched', 5n * USD, false, 0],
      [D2, 'openai', 'rated_only', 0n, true, null],
    ]);
    expect(r.days.map((d) => [d.day, d.provider, d.diffPico, d.flagged])).toEqual([[D1, 'openai', 0n, false], [D2, 'openai', 6n * USD, true]]);
    expect(r.uninvoiced).toEqual([{ provider: 'google', days: 1, ratedPico: 1n * USD }]);
  });

  it('sums several rated names and invoice sources of one model, and keeps providers apart', () => {
    const r = compareInvoice(
      [rated(D1, 'openai', 'gpt-4o-mini', 3n * USD, 5, 1), rated(D1, 'openai', 'gpt-4o-mini-2024-07-18', 1n * USD, 2), rated(D1, 'azure', 'gpt-4o-mini', 9n * USD)],
      [billed(D1, 'openai', 'gpt-4o-mini-2024-07-18', 2n * USD, 1), billed(D1, 'openai', 'gpt-4o-mini-2024-07-18', 2n * USD, 3)],
      { tolerancePct: 2 },
    );
    expect(r.rows).toEqual([
      {
        day: D1, provider: 'openai', model: 'gpt-4o-mini', ratedModels: ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18'], invoiceModels: ['gpt-4o-mini-2024-07-18'],
        ratedPico: 4n * USD, invoicePico: 4n * USD, diffPico: 0n, varianceRatio: 0, status: 'matched', flagged: false, calls: 7, unpricedCalls: 1, lineItems: 4,
      },
    ]);
    expect(r.uninvoiced).toEqual([{ provider: 'azure', days: 1, ratedPico: 9n * USD }]);
  });

  it('flags rows that offset each other even when the day total is within tolerance', () => {
    const r = compareInvoice(
      [rated(D1, 'openai', 'gpt-4o', 105n * USD), rated(D1, 'openai', 'gpt-4o-mini', 95n * USD)],
      [billed(D1, 'openai', 'gpt-4o', 100n * USD), billed(D1, 'openai', 'gpt-4o-mini', 100n * USD)],
      { tolerancePct: 2 },
    );
    expect(r.rows.map((x) => x.flagged)).toEqual([true, true]);
    expect(r.days[0]!.flagged).toBe(false);
  });

  it('uses model aliases on both sides', () => {
    const aliases = parseModelAliases('{"my-sonnet-deployment": "claude-sonnet-4"}')!;
    const r = compareInvoice([rated(D1, 'anthropic', 'my-sonnet-deployment', 1n * USD)], [billed(D1, 'anthropic', 'Claude Sonnet 4', 1n * USD)], { tolerancePct: 2, aliases });
    expect(r.rows.map((x) => [x.model, x.status])).toEqual([['claude-sonnet-4', 'matched']]);
    const without = compareInvoice([rated(D1, 'anthropic', 'my-sonnet-deployment', 1n * USD)], [billed(D1, 'anthropic', 'Claude Sonnet 4', 1n * USD)], { tolerancePct: 2 });
    expect(without.rows.map((x) => [x.model, x.status])).toEqual([['claude-sonnet-4', 'invoice_only'], ['my-sonnet-deployment', 'rated_only']]);
  });
});
