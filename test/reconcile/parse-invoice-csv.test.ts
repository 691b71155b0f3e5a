import { describe, expect, it } from 'vitest';
import { decimalToPico, fineToPico, parseFineUsd } from '../../exporter/src/reconcile/decimal-amount.js';
import { InvoiceCsvError, type InvoiceCsvProblem } from '../../exporter/src/reconcile/invoice-csv-error.js';
import { invoiceDay } from '../../exporter/src/reconcile/invoice-day.js';
import { parseInvoiceCsv, type InvoiceCsvOptions, type InvoiceTotal } from '../../exporter/src/reconcile/parse-invoice-csv.js';
import { anthropicCostCsv, genericCostCsv, openAiCostCsv, type BilledModel } from './invoice-csv.js';

/** Totals a billed list must parse to: its parts summed per day x provider x model, computed here independently. */
function expectedTotals(billed: readonly BilledModel[], name: (b: BilledModel) => string = (b) => b.model): InvoiceTotal[] {
  const byKey = new Map<string, InvoiceTotal>();
  for (const b of billed) {
    const key = `${b.day}|${b.provider}|${name(b)}`;
    const t = byKey.get(key) ?? { day: b.day, provider: b.provider, model: name(b), costPico: 0n, lineItems: 0 };
    for (const p of b.parts) (t.costPico += p.pico), (t.lineItems += 1);
    byKey.set(key, t);
  }
  return [...byKey.values()].sort((a, b) => `${a.day}${a.provider}${a.model}`.localeCompare(`${b.day}${b.provider}${b.model}`));
}

function problemsOf(text: string, options: InvoiceCsvOptions): InvoiceCsvProblem[] {
  try {
    parseInvoiceCsv(text, options);
  } catch (err) {
    expect(err).toBeInstanceOf(InvoiceCsvError);
    return [...(err as InvoiceCsvError).problems];
  }
  throw new Error('expected the CSV to be rejected');
}

const OPENAI: BilledModel[] = [
  { day: '2026-03-01', provider: 'openai', model: 'gpt-4o-mini-2024-07-18', parts: [{ kind: 'input', pico: 1_500_000_000_000n }, { kind: 'output', pico: 1_200_000_000_123n }] },
  { day: '2026-03-01', provider: 'openai', model: 'gpt-4.1-2025-04-14', parts: [{ kind: 'cached input', pico: 7n }, { kind: 'input', pico: 250_000_000_000_000n }] },
  { day: '2026-03-02', provider: 'openai', model: 'gpt-4o-mini-2024-07-18', parts: [{ kind: 'input', pico: 3_000_000_000_001n }] },
];
const ANTHROPIC: BilledModel[] = [
  { day: '2026-03-01', provider: 'anthropic', model: 'Claude Sonnet 4', parts: [{ kind: 'input_no_cache', pico: 12_000_000_000_000n }, { kind: 'output', pico: 12_500_000_000_000n }, { kind: 'input_cache_read', pico: 333_333_333n }] },
  { day: '2026-03-02', provider: 'anthropic', model: 'Claude Haiku 4.5', parts: [{ kind: 'output', pico: 40_000_000_000n }] },
];

describe('invoice CSV formats', () => {
  it('reads an OpenAI cost export: line items of a model summed per day, model taken from the line item, empty buckets as covered days', () => {
    const parsed = parseInvoiceCsv(openAiCostCsv(OPENAI, ['2026-03-03']), { format: 'openai', file: 'openai.csv' });
    expect(parsed.totals).toEqual(expectedTotals(OPENAI));
    expect(parsed.days).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(parsed.lines).toBe(6);
  });

  it('reads an Anthropic Console cost export with its display model names', () => {
    const parsed = parseInvoiceCsv(anthropicCostCsv(ANTHROPIC), { format: 'anthropic', file: 'anthropic.csv' });
    expect(parsed.totals).toEqual(expectedTotals(ANTHROPIC));
  });

  it('gives the same totals for the same bills in each of the three formats', () => {
    const openai = parseInvoiceCsv(openAiCostCsv(OPENAI), { format: 'openai', file: 'a.csv' }).totals;
    const anthropic = parseInvoiceCsv(anthropicCostCsv(ANTHROPIC), { format: 'anthropic', file: 'b.csv' }).totals;
    const generic = parseInvoiceCsv(genericCostCsv([...OPENAI, ...ANTHROPIC]), { format: 'generic', file: 'c.csv' }).totals;
    expect(generic).toEqual([...openai, ...anthropic].sort((a, b) => `${a.day}${a.provider}${a.model}`.localeCompare(`${b.day}${b.provider}${b.model}`)));
    expect(generic).toEqual(expectedTotals([...OPENAI, ...ANTHROPIC]));
  });

  it('reads a generic file with renamed columns, a provider given for the whole file, and canonical provider names', () => {
    const renamed = { date: 'Billing Day', provider: 'Vendor', model: 'SKU', cost: 'Amount (USD)' };
    const text = genericCostCsv(OPENAI, renamed);
    expect(parseInvoiceCsv(text, { format: 'generic', file: 'x.csv', columns: renamed }).totals).toEqual(expectedTotals(OPENAI));
    const noProvider = 'day,model,usd\n2026-03-01,gemini-2.5-pro,1.25\n2026-03-01,gemini-2.5-pro,0.75\n';
    expect(parseInvoiceCsv(noProvider, { format: 'generic', file: 'g.csv', columns: { date: 'day', cost: 'usd' }, provider: 'vertex_ai' }).totals).toEqual([
      { day: '2026-03-01', provider: 'google', model: 'gemini-2.5-pro', costPico: 2_000_000_000_000n, lineItems: 2 },
    ]);
    const mixed = 'date,provider,model,cost_usd\n2026-03-01,OpenAI,gpt-4o,1\n2026-03-01,Bedrock,claude-sonnet-4,2\n';
    expect(parseInvoiceCsv(mixed, { format: 'generic', file: 'm.csv' }).totals.map((t) => t.provider)).toEqual(['aws', 'openai']);
  });

  it('lists the provider-days a file covers, empty buckets included, per provider', () => {
    expect(parseInvoiceCsv(openAiCostCsv(OPENAI, ['2026-03-03']), { format: 'openai', file: 'o.csv' }).covered).toEqual([
      { day: '2026-03-01', provider: 'openai' }, { day: '2026-03-02', provider: 'openai' }, { day: '2026-03-03', provider: 'openai' },
    ]);
    const mixed = 'date,provider,model,cost_usd\n2026-03-02,azure,gpt-4o,1\n2026-03-01,google,gemini-2.5-pro,2\n2026-03-01,azure,gpt-4o,3\n';
    expect(parseInvoiceCsv(mixed, { format: 'generic', file: 'm.csv' }).covered).toEqual([
      { day: '2026-03-01', provider: 'azure' }, { day: '2026-03-01', provider: 'google' }, { day: '2026-03-02', provider: 'azure' },
    ]);
  });

  it('sums amounts finer than a pico-dollar exactly and rounds each total once', () => {
    // Three lines of 0.4 pico-dollars: 1.2 pico in total, 1 after rounding. Rounding each line first would give 0.
    const header = 'start_time,start_time_iso,amount_value,amount_currency,line_item';
    const row = (amount: string) => `1772323200,2026-03-01T00:00:00+00:00,${amount},usd,"gpt-4o, input"`;
    const text = [header, row('0.000000000000400000000000000000'), row('0.000000000000400000000000000000'), row('0.0000000000004')].join('\n');
    expect(parseInvoiceCsv(text, { format: 'openai', file: 'fine.csv' }).totals[0]!.costPico).toBe(1n);
    const half = [header, row('0.0000000000025'), row('0.0000000000010')].join('\n');
    expect(parseInvoiceCsv(half, { format: 'openai', file: 'half.csv' }).totals[0]!.costPico).toBe(4n); // 3.5 -> 4 (half to even)
  });

  it('names a model-less Anthropic line by its cost type, so web search cost is reported, not dropped', () => {
    const text = 'usage_date_utc,model,cost_usd,cost_type\n2026-03-01,,0.10,web_search\n2026-03-01,,0.05,web_search\n';
    expect(parseInvoiceCsv(text, { format: 'anthropic', file: 'ws.csv' }).totals).toEqual([
      { day: '2026-03-01', provider: 'anthropic', model: '(web_search)', costPico: 150_000_000_000n, lineItems: 2 },
    ]);
  });

  it('reads days as calendar days, ISO timestamps (UTC day of the instant) and unix seconds', () => {
    expect(
      ['2026-03-01', '2026-03-01T00:00:00+00:00', '2026-03-01T00:00:00', '2026-03-01 23:59:59Z', '2026-03-01T01:00:00+02:00', '1772323200', ' 2026-03-01 '].map((t) => invoiceDay(t)),
    ).toEqual([
      { day: '2026-03-01' }, { day: '2026-03-01' }, { day: '2026-03-01' }, { day: '2026-03-01' }, { day: '2026-02-28' }, { day: '2026-03-01' }, { day: '2026-03-01' },
    ]);
    for (const bad of ['2026-02-30', '03/01/2026', 'yesterday', '', '1969-12-31', '2150-01-01']) expect(invoiceDay(bad), bad).toHaveProperty('error');
  });
});

describe('invoice CSV problems', () => {
  it.each<[string, string, InvoiceCsvOptions, Array<Partial<InvoiceCsvProblem>>]>([
    ['a cost that is not a number', 'usage_date_utc,model,cost_usd\n2026-03-01,Claude Sonnet 4,1.5\n2026-03-01,Claude Sonnet 4,12.5x\n', { format: 'anthropic', file: 'a.csv' }, [{ line: 3, column: 'cost_usd' }]],
    ['an empty cost', 'date,provider,model,cost_usd\n2026-03-01,openai,gpt-4o,\n', { format: 'generic', file: 'g.csv' }, [{ line: 2, column: 'cost_usd', message: 'empty amount' }]],
    ['missing columns, each named', 'date,model,cost\n2026-03-01,gpt-4o,1\n', { format: 'generic', file: 'g.csv' }, [{ line: 1, column: 'provider' }, { line: 1, column: 'cost_usd' }]],
    [
      'several lines wrong at once',
      'start_time_iso,amount_value,amount_currency,line_item\n2026-13-01T00:00:00Z,1,usd,"gpt-4o, input"\n2026-03-01T00:00:00Z,1,usd,\n2026-03-01T00:00:00Z,1,eur,"gpt-4o, input"\n',
      { format: 'openai', file: 'o.csv' },
      [{ line: 2, column: 'start_time_iso' }, { line: 3, column: 'line_item' }, { line: 4, column: 'amount_currency' }],
    ],
    ['a line with too many fields', 'date,provider,model,cost_usd\n2026-03-01,openai,gpt-4o,1,5\n', { format: 'generic', file: 'g.csv' }, [{ line: 2, column: undefined }]],
    ['an unclosed quote', 'date,provider,model,cost_usd\n2026-03-01,openai,"gpt-4o,1\n', { format: 'generic', file: 'g.csv' }, [{ line: 2, column: undefined }]],
    ['an empty file', '', { format: 'anthropic', file: 'e.csv' }, [{ line: 1, column: undefined }]],
    ['a header without lines', 'usage_date_utc,model,cost_usd\n', { format: 'anthropic', file: 'h.csv' }, [{ line: 1, column: undefined, message: 'no data lines after the header' }]],
    ['an absurd amount', 'date,provider,model,cost_usd\n2026-03-01,openai,gpt-4o,1e16\n', { format: 'generic', file: 'g.csv' }, [{ line: 2, column: 'cost_usd' }]],
    ['an empty provider', 'date,provider,model,cost_usd\n2026-03-01,,gpt-4o,1\n', { format: 'generic', file: 'g.csv' }, [{ line: 2, column: 'provider' }]],
  ])('rejects %s, naming line and column', (_what, text, options, want) => {
    const problems = problemsOf(text, options);
    expect(problems.map((p) => ({ line: p.line, column: p.column }))).toEqual(want.map((w) => ({ line: w.line, column: w.column })));
    want.forEach((w, i) => {
      if (w.message !== undefined) expect(problems[i]!.message).toBe(w.message);
    });
  });

  it('skips the all-empty lines a spreadsheet leaves after the data, whatever their length', () => {
    const text = 'date,provider,model,cost_usd\n2026-03-01,openai,gpt-4o,1.5\n,,,\n , ,,\n,,\n';
    expect(parseInvoiceCsv(text, { format: 'generic', file: 'excel.csv' })).toEqual({
      totals: [{ day: '2026-03-01', provider: 'openai', model: 'gpt-4o', costPico: 1_500_000_000_000n, lineItems: 1 }],
      days: ['2026-03-01'], covered: [{ day: '2026-03-01', provider: 'openai' }], lines: 1,
    });
  });

  it('refuses a column it reads that the header has twice, and lets an ignored one repeat', () => {
    const twice = 'date,provider,model,cost_usd,Cost_USD\n2026-03-01,openai,gpt-4o,1.5,2\n';
    expect(problemsOf(twice, { format: 'generic', file: 'g.csv' })).toEqual([
      { line: 1, column: 'cost_usd', message: 'appears more than once in the header (columns 4 and 5); keep one' },
    ]);
    const ignored = 'note,date,provider,model,cost_usd,note\na,2026-03-01,openai,gpt-4o,1.5,b\n';
    expect(parseInvoiceCsv(ignored, { format: 'generic', file: 'g.csv' }).totals).toHaveLength(1);
    const currency = 'start_time,amount_value,amount_currency,line_item,amount_currency\n1772323200,1,usd,"gpt-4o, input",eur\n';
    expect(problemsOf(currency, { format: 'openai', file: 'o.csv' }).map((p) => [p.line, p.column])).toEqual([[1, 'amount_currency']]);
  });

  it('says in its message which file, line and column, and what was expected', () => {
    let message = '';
    try {
      parseInvoiceCsv('usage_date_utc,model,cost_usd\n2026-03-01,Claude Sonnet 4,abc\n', { format: 'anthropic', file: 'march.csv' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('invoice CSV march.csv: 1 problem(s): march.csv line 2, column cost_usd: "abc" is not an amount in USD (write e.g. 12.345678)');
  });

  it('points at the generic format when a provider file has other columns', () => {
    const [p] = problemsOf('foo,bar\n1,2\n', { format: 'anthropic', file: 'x.csv' });
    expect(p!.message).toContain('(foo, bar)');
    expect(p!.message).toContain('format=generic');
  });
});

describe('exact decimal amounts', () => {
  it.each<[string, bigint | undefined]>([
    ['1.5', 1_500_000_000_000n],
    ['-0.25', -250_000_000_000n],
    ['$3', 3_000_000_000_000n],
    ['+.5', 500_000_000_000n],
    ['1e-5', 10_000_000n],
    ['1.5E+2', 150_000_000_000_000n],
    ['0.0000000000015', 2n],
    ['0.0000000000025', 2n],
    ['-0.0000000000025', -2n],
    ['0.003835980000000000000000000000', 3_835_980_000n],
    ['', undefined],
    ['.', undefined],
    ['abc', undefined],
    ['1,5', undefined],
    ['--1', undefined],
    ['1e', undefined],
    ['NaN', undefined],
  ])('%j is %s pico-dollars', (text, pico) => {
    const fine = parseFineUsd(text);
    expect(fine === undefined ? undefined : fineToPico(fine)).toBe(pico);
  });

  it('reads ClickHouse decimal text back to the same pico-dollars', () => {
    expect(decimalToPico('12.345678901234')).toBe(12_345_678_901_234n);
    expect(decimalToPico('-0.5')).toBe(-500_000_000_000n);
    expect(() => decimalToPico('x')).toThrow(RangeError);
  });
});
