import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerInvoicesCommands } from '../../exporter/src/cli/invoices-command.js';
import type { ReconciliationJson } from '../../exporter/src/reconcile/reconciliation-json.js';
import { postTraces } from '../helpers/otlp-payloads.js';
import { hex } from '../helpers/records.js';
import { tempDir } from '../helpers/temp-dir.js';
import { metricValue, startTestService, type TestService } from '../helpers/test-service.js';
import { anthropicCostCsv, genericCostCsv, openAiCostCsv, usdText, type BilledModel } from './invoice-csv.js';

const DAY_MS = 86_400_000;
const TODAY_MS = Math.floor(Date.now() / DAY_MS) * DAY_MS;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** Four past UTC days; calls at noon, far from any day boundary. */
const DAYS = [4, 3, 2, 1].map((k) => dayOf(TODAY_MS - k * DAY_MS));
const FROM = DAYS[0]!;
const TO = dayOf(TODAY_MS);
/** The invoice bills rated x factor: day 2 is 5 % above what we rated, days 1 and 3 within 1 %. */
const FACTORS: Array<[bigint, bigint]> = [[100n, 100n], [101n, 100n], [105n, 100n], [99n, 100n]];
const OFF_DAY = DAYS[2]!;
/**
 * Days two months back: outside [FROM, TO) and the gauges' 45-day window (so what the later tests
 * import there leaves the earlier ones alone), inside the 13 months the daily aggregates keep.
 */
const OLD_DAYS = [70, 69, 68, 60].map((k) => dayOf(TODAY_MS - k * DAY_MS));

/*
 * Published prices per million tokens; one $/Mtok is 1e6 pico-dollars per token.
 *   gpt-4o-mini:     input $0.15, output $0.60
 *   claude-sonnet-4: input $3,    output $15
 */
const CALLS = {
  openai: { model: 'gpt-4o-mini', billedAs: 'gpt-4o-mini-2024-07-18', display: 'gpt-4o-mini-2024-07-18', input: 10_000n, output: 2_000n, inputRate: 150_000n, outputRate: 600_000n },
  anthropic: { model: 'claude-sonnet-4-20250514', billedAs: 'claude-sonnet-4-20250514', display: 'Claude Sonnet 4', input: 4_000n, output: 800n, inputRate: 3_000_000n, outputRate: 15_000_000n },
} as const;
type Provider = keyof typeof CALLS;
/** Calls per day: a different count each day, so a day's figure cannot pass for another's. */
const callsOn = (provider: Provider, i: number): number => (provider === 'openai' ? i + 2 : i + 1);

/** Our expected rated cost of a provider's calls on day i, and the invoice's parts (input, output) for it. */
function costs(provider: Provider, i: number): { rated: bigint; parts: Array<{ kind: string; pico: bigint }> } {
  const c = CALLS[provider];
  const n = BigInt(callsOn(provider, i));
  const [num, den] = FACTORS[i]!;
  const input = n * c.input * c.inputRate;
  const output = n * c.output * c.outputRate;
  return { rated: input + output, parts: [{ kind: provider === 'openai' ? 'input' : 'input_no_cache', pico: (input * num) / den }, { kind: 'output', pico: (output * num) / den }] };
}

function billed(provider: Provider): BilledModel[] {
  return DAYS.map((day, i) => ({ day, provider, model: CALLS[provider].billedAs, displayName: CALLS[provider].display, parts: costs(provider, i).parts }));
}

/** `n` calls of a provider's model at noon of `day`, as OTLP JSON spans. */
function spansOn(provider: Provider, day: string, n: number) {
  return Array.from({ length: n }, () => {
    const start = BigInt(Date.parse(`${day}T12:00:00Z`)) * 1_000_000n;
    const c = CALLS[provider];
    const attributes = {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': provider, 'gen_ai.request.model': c.model,
      'gen_ai.usage.input_tokens': Number(c.input), 'gen_ai.usage.output_tokens': Number(c.output), 'pnl.customer.id': 'cust_acme', 'pnl.feature.id': 'chat',
    };
    return {
      traceId: hex(16), spanId: hex(8), name: `chat ${c.model}`, kind: 3, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 500_000_000n),
      attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } })),
    };
  });
}

function spans() {
  return (Object.keys(CALLS) as Provider[]).flatMap((provider) => DAYS.flatMap((day, i) => spansOn(provider, day, callsOn(provider, i))));
}

async function sendSpans(svc: TestService, list: ReturnType<typeof spansOn>): Promise<void> {
  const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'reconcile-test' } }] }, scopeSpans: [{ scope: { name: 'reconcile-test' }, spans: list }] }] });
  expect((await postTraces(svc.url, body, { 'content-type': 'application/json' })).status).toBe(200);
  await svc.service.core.writer.flush();
}

async function importInvoice(svc: TestService, csv: string, query: string, type = 'text/csv'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${svc.url}/api/v1/invoices?${query}`, { method: 'POST', body: csv, headers: { 'content-type': type } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function reconciliation(svc: TestService, query = `from=${FROM}&to=${TO}`): Promise<ReconciliationJson> {
  const res = await fetch(`${svc.url}/api/v1/reconciliation?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ReconciliationJson;
}

async function invoiceRows(svc: TestService): Promise<number> {
  const [r] = await svc.service.core.store.select<{ n: string }>('SELECT count() AS n FROM pnl.invoice_costs FINAL WHERE is_deleted = 0');
  return Number(r!.n);
}

/** Exact decimal text as the API renders it (12 decimals). */
const usd12 = (pico: bigint): string => `${pico / 1_000_000_000_000n}.${(pico % 1_000_000_000_000n).toString().padStart(12, '0')}`;

describe('invoice reconciliation on the real service', () => {
  let svc: TestService;
  const dir = tempDir();
  beforeAll(async () => {
    svc = await startTestService();
    await sendSpans(svc, spans());
  });
  afterAll(async () => {
    await svc?.stop();
    dir.remove();
  });

  it('imports an OpenAI and an Anthropic cost export, and audit-logs each import', async () => {
    const openai = await importInvoice(svc, openAiCostCsv(billed('openai')), 'format=openai&file=openai-costs.csv');
    expect(openai).toEqual({
      status: 200,
      body: {
        source: 'openai', file: 'openai-costs.csv', format: 'openai', lines: 8, stored: 4, removed: 0, days: { first: DAYS[0], last: DAYS[3], count: 4 },
        total_usd: usd12(billed('openai').flatMap((b) => b.parts).reduce((s, p) => s + p.pico, 0n)),
      },
    });
    const anthropic = await importInvoice(svc, anthropicCostCsv(billed('anthropic')), 'format=anthropic&file=anthropic-costs.csv');
    expect(anthropic.status).toBe(200);
    expect(anthropic.body).toMatchObject({ source: 'anthropic', lines: 8, stored: 4, removed: 0 });
    const audit = await svc.service.core.store.select<{ action: string; target: string }>("SELECT action, target FROM pnl.audit_log WHERE action = 'invoices.import' ORDER BY at");
    expect(audit.map((a) => a.target)).toEqual(['openai openai-costs.csv', 'anthropic anthropic-costs.csv']);
  });

  it('flags the day the invoice differs by 5 % and keeps the other days within the 2 % tolerance', async () => {
    const r = await reconciliation(svc);
    expect(r.tolerance_pct).toBe(2);
    expect(r.days.map((d) => [d.day, d.provider, d.flagged])).toEqual(DAYS.flatMap((day) => [[day, 'anthropic', day === OFF_DAY], [day, 'openai', day === OFF_DAY]]));
    expect(r.flagged.map((x) => [x.day, x.provider, x.model])).toEqual([[OFF_DAY, 'anthropic', 'claude-sonnet-4'], [OFF_DAY, 'openai', 'gpt-4o-mini']]);
    expect(r.summary).toMatchObject({ rows: 8, flagged_rows: 2, days: 8, flagged_days: 2 });
    expect(r.uninvoiced).toEqual([]);
  });

  it('matches the invoices\' snapshot and display names to the rated models, with exact amounts on both sides', async () => {
    const r = await reconciliation(svc);
    const want = DAYS.flatMap((day, i) =>
      (['anthropic', 'openai'] as const).map((provider) => {
        const { rated, parts } = costs(provider, i);
        const invoice = parts.reduce((s, p) => s + p.pico, 0n);
        return {
          day, provider, model: provider === 'openai' ? 'gpt-4o-mini' : 'claude-sonnet-4', rated_models: [CALLS[provider].model], invoice_models: [CALLS[provider].display],
          rated_usd: usd12(rated), invoice_usd: usd12(invoice), diff_usd: (rated - invoice < 0n ? '-' : '') + usd12(rated - invoice < 0n ? invoice - rated : rated - invoice),
          status: 'matched', flagged: day === OFF_DAY, calls: callsOn(provider, i), unpriced_calls: 0, line_items: 2,
        };
      }),
    );
    expect(r.rows.map(({ variance_ratio: _v, ...row }) => row)).toEqual(want);
    const off = r.rows.find((x) => x.day === OFF_DAY && x.provider === 'openai')!;
    expect(off.variance_ratio).toBeCloseTo(-1 / 21, 12); // rated / (rated x 1.05) - 1
    const plusOne = r.rows.find((x) => x.day === DAYS[1] && x.provider === 'openai')!;
    expect(plusOne.variance_ratio).toBeCloseTo(-1 / 101, 12);
    expect(r.days.find((d) => d.day === DAYS[3] && d.provider === 'anthropic')!.variance_ratio).toBeCloseTo(1 / 99, 12);
  });

  it('honours a tolerance given per request: at 6 % nothing is flagged, at 0.5 % the 1 % days are too', async () => {
    expect((await reconciliation(svc, `from=${FROM}&to=${TO}&tolerance_pct=6`)).summary.flagged_rows).toBe(0);
    expect((await reconciliation(svc, `from=${FROM}&to=${TO}&tolerance_pct=0.5`)).flagged.map((x) => x.day)).toEqual([DAYS[1], DAYS[1], OFF_DAY, OFF_DAY, DAYS[3], DAYS[3]]);
  });

  it('publishes the worst day\'s variance per provider and model, and the tolerance, on /metrics', async () => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metricValue(text, 'pnl_invoice_variance_ratio', { provider: 'openai', model: 'gpt-4o-mini' })).toBeCloseTo(-1 / 21, 12);
    expect(metricValue(text, 'pnl_invoice_variance_ratio', { provider: 'anthropic', model: 'claude-sonnet-4' })).toBeCloseTo(-1 / 21, 12);
    const { rated, parts } = costs('openai', 2);
    expect(metricValue(text, 'pnl_invoice_variance_usd', { provider: 'openai', model: 'gpt-4o-mini' })).toBeCloseTo(Number(rated - parts.reduce((s, p) => s + p.pico, 0n)) / 1e12, 12);
    expect(metricValue(text, 'pnl_invoice_tolerance_ratio')).toBe(0.02);
  });

  it('re-importing the same file replaces it: nothing doubles', async () => {
    const before = await reconciliation(svc);
    const rows = await invoiceRows(svc);
    const again = await importInvoice(svc, openAiCostCsv(billed('openai')), 'format=openai&file=openai-costs.csv');
    expect(again.body).toMatchObject({ stored: 4, removed: 0 });
    expect(await invoiceRows(svc)).toBe(rows);
    expect(await reconciliation(svc)).toEqual(before);
  });

  it('a corrected file replaces the days it covers: the 5 % day passes, a model it drops is no longer billed', async () => {
    // The corrected export bills the off day as rated, and on DAYS[3] lists another model instead of gpt-4o-mini.
    const corrected: BilledModel[] = billed('openai').map((b, i) => (i === 2 ? { ...b, parts: [{ kind: 'input', pico: costs('openai', 2).rated }] } : b));
    corrected[3] = { day: DAYS[3]!, provider: 'openai', model: 'gpt-4.1-mini-2025-04-14', parts: [{ kind: 'input', pico: 1_000_000_000n }] };
    const r = await importInvoice(svc, openAiCostCsv(corrected.slice(2)), 'format=openai&file=openai-corrected.csv');
    expect(r.body).toMatchObject({ stored: 2, removed: 1, days: { first: DAYS[2], last: DAYS[3], count: 2 } });
    const after = await reconciliation(svc);
    const openaiRows = after.rows.filter((x) => x.provider === 'openai').map((x) => [x.day, x.model, x.status, x.flagged]);
    expect(openaiRows).toEqual([
      [DAYS[0], 'gpt-4o-mini', 'matched', false],
      [DAYS[1], 'gpt-4o-mini', 'matched', false],
      [DAYS[2], 'gpt-4o-mini', 'matched', false],
      [DAYS[3], 'gpt-4-1-mini', 'invoice_only', true],
      [DAYS[3], 'gpt-4o-mini', 'rated_only', true],
    ]);
    expect(after.rows.find((x) => x.day === DAYS[2] && x.provider === 'openai')!.variance_ratio).toBe(0);
    // Importing the original again restores every day it covers.
    await importInvoice(svc, openAiCostCsv(billed('openai')), 'format=openai&file=openai-costs.csv');
    expect((await reconciliation(svc)).flagged.map((x) => [x.day, x.provider])).toEqual([[OFF_DAY, 'anthropic'], [OFF_DAY, 'openai']]);
  });

  it('counts a second account of a provider (another source) on top of the first', async () => {
    const extra: BilledModel[] = [{ day: DAYS[0]!, provider: 'anthropic', model: 'claude-sonnet-4-20250514', parts: [{ kind: 'output', pico: costs('anthropic', 0).rated }] }];
    const r = await importInvoice(svc, genericCostCsv(extra), 'format=generic&source=anthropic-eu&file=eu.csv');
    expect(r.body).toMatchObject({ source: 'anthropic-eu', stored: 1 });
    const row = (await reconciliation(svc)).rows.find((x) => x.day === DAYS[0] && x.provider === 'anthropic')!;
    expect(row).toMatchObject({ invoice_usd: usd12(2n * costs('anthropic', 0).rated), variance_ratio: -0.5, flagged: true, invoice_models: ['Claude Sonnet 4', 'claude-sonnet-4-20250514'] });
    // Emptied again by re-importing that source with a zero line: the day is back within tolerance.
    await importInvoice(svc, `date,provider,model,cost_usd\n${DAYS[0]},anthropic,claude-sonnet-4-20250514,0\n`, 'format=generic&source=anthropic-eu&file=eu.csv');
    expect((await reconciliation(svc)).rows.find((x) => x.day === DAYS[0] && x.provider === 'anthropic')!.flagged).toBe(false);
  });

  it('keeps two generic imports of different providers under the default source apart on the days they share', async () => {
    const [d1, d2, end] = OLD_DAYS as [string, string, string];
    const billedOld = async () => (await reconciliation(svc, `from=${d1}&to=${end}`)).rows.map((x) => [x.day, x.provider, x.model, x.invoice_usd]);
    const azure = await importInvoice(svc, `date,provider,model,cost_usd\n${d1},azure,gpt-4o,1\n${d2},azure,gpt-4o,2\n`, 'format=generic&file=azure.csv');
    expect(azure.body).toMatchObject({ source: 'generic', stored: 2, removed: 0 });
    const google = await importInvoice(svc, `date,model,cost_usd\n${d1},gemini-2.5-pro,3\n`, 'format=generic&provider=google&file=google.csv');
    expect(google.body).toMatchObject({ source: 'generic', stored: 1, removed: 0 });
    expect(await billedOld()).toEqual([
      [d1, 'azure', 'gpt-4o', '1.000000000000'],
      [d1, 'google', 'gemini-2-5-pro', '3.000000000000'],
      [d2, 'azure', 'gpt-4o', '2.000000000000'],
    ]);
    // A corrected Azure file still replaces what the Azure file said about its days, and only that.
    const corrected = await importInvoice(svc, `date,provider,model,cost_usd\n${d1},azure,gpt-4.1,1.5\n`, 'format=generic&file=azure.csv');
    expect(corrected.body).toMatchObject({ source: 'generic', stored: 1, removed: 1 });
    expect(await billedOld()).toEqual([
      [d1, 'azure', 'gpt-4-1', '1.500000000000'],
      [d1, 'google', 'gemini-2-5-pro', '3.000000000000'],
      [d2, 'azure', 'gpt-4o', '2.000000000000'],
    ]);
  });

  it('flags our cost on a day the OpenAI export covers with an empty bucket (nothing billed), instead of calling it uninvoiced', async () => {
    const day = OLD_DAYS[3]!;
    const next = dayOf(Date.parse(`${day}T00:00:00Z`) + DAY_MS);
    await sendSpans(svc, spansOn('openai', day, 2));
    const rated = 2n * (CALLS.openai.input * CALLS.openai.inputRate + CALLS.openai.output * CALLS.openai.outputRate);
    const r = await importInvoice(svc, openAiCostCsv([], [day]), 'format=openai&file=openai-empty.csv');
    expect(r.body).toMatchObject({ source: 'openai', lines: 1, stored: 0, removed: 0, days: { first: day, last: day, count: 1 }, total_usd: '0.000000000000' });
    const after = await reconciliation(svc, `from=${day}&to=${next}`);
    expect(after.uninvoiced).toEqual([]);
    expect(after.days).toEqual([{ day, provider: 'openai', rated_usd: usd12(rated), invoice_usd: usd12(0n), diff_usd: usd12(rated), variance_ratio: null, flagged: true }]);
    expect(after.rows).toEqual([
      {
        day, provider: 'openai', model: 'gpt-4o-mini', rated_models: ['gpt-4o-mini'], invoice_models: [], rated_usd: usd12(rated), invoice_usd: usd12(0n), diff_usd: usd12(rated),
        variance_ratio: null, status: 'rated_only', flagged: true, calls: 2, unpriced_calls: 0, line_items: 0,
      },
    ]);
    // A later export that bills the day replaces the empty bucket, and the day compares as usual.
    const billedDay = await importInvoice(svc, openAiCostCsv([{ day, provider: 'openai', model: CALLS.openai.billedAs, parts: [{ kind: 'input', pico: rated }] }]), 'format=openai&file=openai-billed.csv');
    expect(billedDay.body).toMatchObject({ stored: 1, removed: 0 });
    expect((await reconciliation(svc, `from=${day}&to=${next}`)).rows.map((x) => [x.status, x.flagged, x.invoice_usd])).toEqual([['matched', false, usd12(rated)]]);
  });

  it('refuses a bad CSV with a 400 naming line and column, and stores none of it', async () => {
    const rows = await invoiceRows(svc);
    const bad = `usage_date_utc,model,cost_usd\n${DAYS[0]},Claude Sonnet 4,0.5\n${DAYS[1]},Claude Sonnet 4,0.5O\n${DAYS[2]},,0.1\n`;
    const r = await importInvoice(svc, bad, 'format=anthropic&file=bad.csv');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: {
        code: 'invalid_invoice',
        message: 'invoice CSV bad.csv: 2 problem(s): bad.csv line 3, column cost_usd: "0.5O" is not an amount in USD (write e.g. 12.345678); bad.csv line 4, column model: empty model',
      },
    });
    expect(await invoiceRows(svc)).toBe(rows);
  });

  it('answers a wrong format with a 400 and a body that is not CSV with a 415', async () => {
    const wrongFormat = await importInvoice(svc, 'a,b\n', 'format=stripe');
    expect(wrongFormat.status).toBe(400);
    expect((wrongFormat.body as { error: { message: string } }).error.message).toContain('format: must be one of openai, anthropic, generic');
    const json = await importInvoice(svc, '{"rows":[]}', 'format=openai', 'application/json');
    expect(json.status).toBe(415);
    const badTolerance = await fetch(`${svc.url}/api/v1/reconciliation?tolerance_pct=-1`);
    expect(badTolerance.status).toBe(400);
  });

  it('refuses an empty tolerance_pct with a 400, as other empty parameters are, rather than reading it as 0 %', async () => {
    for (const bad of ['', '%20', 'abc', '1&tolerance_pct=2']) {
      const res = await fetch(`${svc.url}/api/v1/reconciliation?from=${FROM}&to=${TO}&tolerance_pct=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message, bad).toMatch(/^invalid tolerance: tolerance_pct: must be a number from 0 to 100/);
    }
    expect((await reconciliation(svc, `from=${FROM}&to=${TO}&tolerance_pct=0`)).tolerance_pct).toBe(0);
  });

  it('works from the command line: invoices import and reconcile print what the service says', async () => {
    const file = join(dir.path, 'anthropic-march.csv');
    writeFileSync(file, anthropicCostCsv(billed('anthropic')));
    let out = '';
    const codes: number[] = [];
    const run = async (args: string[]) => {
      const program = new Command().exitOverride();
      registerInvoicesCommands(program, { out: (t) => (out += t), exitCode: (c) => codes.push(c) });
      await program.parseAsync(['node', 'agentic-pnl', ...args]);
    };
    await run(['invoices', 'import', file, '--format', 'anthropic', '--url', svc.url]);
    expect(out).toContain(`imported ${file} as source anthropic: 8 lines, 4 day x model totals (0 removed), 4 days ${DAYS[0]}..${DAYS[3]}`);
    out = '';
    await run(['reconcile', '--from', FROM, '--to', TO, '--url', svc.url]);
    expect(codes).toEqual([3]);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`Invoice reconciliation  ${FROM} .. ${TO} (end exclusive), tolerance 2%`);
    expect(lines[1]).toMatch(/2 of 8 provider-days and 2 of 8 model rows outside tolerance$/);
    const offRow = lines.find((l) => l.startsWith('!') && l.includes('gpt-4o-mini'))!;
    expect(offRow.split(/\s+/)).toEqual(['!', OFF_DAY, 'openai', 'gpt-4o-mini', `$${usdText(costs('openai', 2).rated).padEnd(8, '0')}`, expect.any(String), expect.any(String), '-4.76%', 'matched']);
  });
});
