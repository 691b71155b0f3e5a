import { CsvError, parse } from 'csv-parse/sync';
import { canonicalProvider } from '../normalize/canonical-provider.js';
import { FINE_SCALE, fineToPico, parseFineUsd } from './decimal-amount.js';
import { InvoiceCsvError, type InvoiceCsvProblem } from './invoice-csv-error.js';
import { invoiceDay } from './invoice-day.js';
import { columnMapping, type ColumnMapping, type GenericColumns, type InvoiceFormat } from './invoice-formats.js';

/** What an invoice says one provider billed for one model on one UTC day (its lines summed). */
export interface InvoiceTotal {
  day: string;
  /** Canonical provider id (`openai`, `anthropic`, ... as llm_calls stores them). */
  provider: string;
  /** The model as the invoice names it. */
  model: string;
  /** Exact sum of the lines in pico-dollars (rounded half-even once, from 1e-24 USD). */
  costPico: bigint;
  lineItems: number;
}

/** A provider's UTC day an invoice file has at least one line for. */
export interface CoveredDay {
  day: string;
  provider: string;
}

/** An invoice file read into totals. */
export interface ParsedInvoice {
  totals: InvoiceTotal[];
  /** Every day the file has a line for, including days whose buckets are empty. */
  days: string[];
  /**
   * Every provider and day the file has a line for, empty buckets included, sorted: what an import
   * speaks for. Per provider, so a generic file of one provider says nothing about another's days.
   */
  covered: CoveredDay[];
  /** Data lines read. */
  lines: number;
}

export interface InvoiceCsvOptions {
  format: InvoiceFormat;
  /** File name, for error messages. */
  file: string;
  /** Generic format: column names other than date, provider, model, cost_usd. */
  columns?: Partial<GenericColumns>;
  /** Generic format: the provider of every line, for files without a provider column. */
  provider?: string;
}

/** A single invoice line above this is a typo or a wrong column, not a bill (and would overflow Decimal(38, 12) when summed). */
const MAX_LINE_FINE = 10n ** BigInt(15 + FINE_SCALE);

/**
 * Reads a provider cost export (formats and columns: invoice-formats.ts) into exact totals per
 * day x provider x model. Every problem is collected with its line and column and thrown at once
 * as an {@link InvoiceCsvError}; a file with any problem yields nothing.
 */
export function parseInvoiceCsv(text: string, options: InvoiceCsvOptions): ParsedInvoice {
  const { file } = options;
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // With `info`, csv-parse returns each record with its position (its types do not say so).
    // skip_records_with_empty_values: a line of only commas (a spreadsheet writes them after the
    // data) is not a line item.
    records = parse(text, { bom: true, skip_empty_lines: true, skip_records_with_empty_values: true, relax_column_count: true, info: true }) as unknown as typeof records;
  } catch (err) {
    const line = err instanceof CsvError ? Number((err as CsvError & { lines?: number }).lines ?? 0) : 0;
    throw new InvoiceCsvError(file, [{ line, column: undefined, message: `${(err as Error).message}; is this a CSV file?` }]);
  }
  const mapping = columnMapping(options.format, options.columns ?? {}, options.provider);
  const [header, ...rows] = records;
  if (header === undefined) throw new InvoiceCsvError(file, [{ line: 1, column: undefined, message: `empty file; expected a header with ${describeColumns(mapping)}` }]);
  const index = resolveColumns(header.record, header.info.lines, mapping, file);
  const problems: InvoiceCsvProblem[] = [];
  const sums = new Map<string, { total: InvoiceTotal; fine: bigint }>();
  const days = new Set<string>();
  const covered = new Map<string, CoveredDay>();
  for (const { record, info } of rows) {
    const line = info.lines;
    if (record.length !== header.record.length) {
      problems.push({ line, column: undefined, message: `${record.length} fields where the header has ${header.record.length}; quote values that contain commas` });
      continue;
    }
    const row = readRow(record, index, mapping, line, problems);
    if (row === undefined) continue;
    days.add(row.day);
    covered.set(`${row.day}\u0000${row.provider}`, { day: row.day, provider: row.provider });
    if (row.fine === undefined) continue;
    const key = `${row.day}\u0000${row.provider}\u0000${row.model}`;
    let sum = sums.get(key);
    if (sum === undefined) sums.set(key, (sum = { total: { day: row.day, provider: row.provider, model: row.model, costPico: 0n, lineItems: 0 }, fine: 0n }));
    sum.fine += row.fine;
    sum.total.lineItems += 1;
  }
  if (problems.length === 0 && rows.length === 0) problems.push({ line: header.info.lines, column: undefined, message: 'no data lines after the header' });
  if (problems.length > 0) throw new InvoiceCsvError(file, problems);
  const totals = [...sums.values()].map(({ total, fine }) => ({ ...total, costPico: fineToPico(fine) }));
  totals.sort((a, b) => (a.day + a.provider + a.model < b.day + b.provider + b.model ? -1 : 1));
  const coveredDays = [...covered.values()].sort((a, b) => a.day.localeCompare(b.day) || a.provider.localeCompare(b.provider));
  return { totals, days: [...days].sort(), covered: coveredDays, lines: rows.length };
}

/** Column positions in this file's header. */
interface ColumnIndex {
  date: { name: string; at: number };
  provider: number | undefined;
  model: number;
  cost: number;
  currency: number | undefined;
  kind: number | undefined;
}

/**
 * Where the mapping's columns are in this header. A column it reads that is missing, or that is
 * there twice (which of the two is the amount?), is a problem; columns it ignores may repeat.
 */
function resolveColumns(header: readonly string[], line: number, m: ColumnMapping, file: string): ColumnIndex {
  const names = header.map((h) => h.trim().toLowerCase());
  const problems: InvoiceCsvProblem[] = [];
  const find = (name: string): number => {
    const at = names.indexOf(name.trim().toLowerCase());
    const again = at < 0 ? -1 : names.indexOf(names[at]!, at + 1);
    if (again >= 0 && !problems.some((p) => p.column === name)) {
      problems.push({ line, column: name, message: `appears more than once in the header (columns ${at + 1} and ${again + 1}); keep one` });
    }
    return at;
  };
  const need = (name: string): number => {
    const at = find(name);
    if (at < 0) problems.push({ line, column: name, message: `missing from the header (${header.join(', ')}); ${hint(m)}` });
    return at;
  };
  const optional = (name: string | undefined): number | undefined => {
    const at = name === undefined ? -1 : find(name);
    return at < 0 ? undefined : at;
  };
  const dateName = m.date.find((d) => names.includes(d.trim().toLowerCase())) ?? m.date[0]!;
  const index: ColumnIndex = {
    date: { name: dateName, at: need(dateName) },
    provider: m.provider === undefined ? undefined : need(m.provider),
    model: need(m.model),
    cost: need(m.cost),
    currency: optional(m.currency),
    kind: optional(m.kind),
  };
  if (problems.length > 0) throw new InvoiceCsvError(file, problems);
  return index;
}

/** One line's day, provider, model and amount; undefined (with problems recorded) when it is wrong. `fine` undefined: an empty bucket. */
function readRow(
  record: readonly string[],
  index: ColumnIndex,
  m: ColumnMapping,
  line: number,
  problems: InvoiceCsvProblem[],
): { day: string; provider: string; model: string; fine: bigint | undefined } | undefined {
  const cell = (at: number | undefined): string => (at === undefined ? '' : (record[at] ?? '').trim());
  const before = problems.length;
  const date = invoiceDay(cell(index.date.at));
  if ('error' in date) problems.push({ line, column: index.date.name, message: date.error });
  const costText = cell(index.cost);
  let model = cell(index.model);
  // OpenAI writes a line per day bucket even when nothing was billed: the day is covered, at no cost.
  if (m.format === 'openai' && costText === '' && model === '') return 'day' in date ? { day: date.day, provider: 'openai', model: '', fine: undefined } : undefined;
  if (m.format === 'openai') model = model.split(',')[0]!.trim();
  if (model === '' && index.kind !== undefined && cell(index.kind) !== '') model = `(${cell(index.kind)})`;
  if (model === '') problems.push({ line, column: m.model, message: m.format === 'openai' ? 'empty line item; export the costs grouped by line item' : 'empty model' });
  const provider = m.fixedProvider !== undefined ? canonicalProvider(m.fixedProvider) : canonicalProvider(cell(index.provider));
  if (provider === '') problems.push({ line, column: m.provider, message: 'empty provider' });
  const currency = cell(index.currency);
  if (currency !== '' && currency.toLowerCase() !== 'usd') problems.push({ line, column: m.currency, message: `currency ${JSON.stringify(currency)}; only USD amounts can be compared with rated costs` });
  const fine = costText === '' ? undefined : parseFineUsd(costText);
  if (fine === undefined) problems.push({ line, column: m.cost, message: costText === '' ? 'empty amount' : `${JSON.stringify(costText)} is not an amount in USD (write e.g. 12.345678)` });
  else if ((fine < 0n ? -fine : fine) >= MAX_LINE_FINE) problems.push({ line, column: m.cost, message: `${costText} is over a quadrillion dollars; is this the right column?` });
  if (problems.length > before || !('day' in date)) return undefined;
  return { day: date.day, provider, model, fine };
}

function describeColumns(m: ColumnMapping): string {
  return [m.date[0], m.provider, m.model, m.cost].filter((c) => c !== undefined).join(', ');
}

function hint(m: ColumnMapping): string {
  if (m.format === 'generic') return `name the columns with date_column, provider_column, model_column, cost_column (or pass provider for a file without a provider column)`;
  return `is this the ${m.format} cost export? Otherwise import it with format=generic and its column names`;
}
