import { parse } from 'csv-parse/sync';
import { revenueEntrySchema, type RevenueEntry } from '../api/revenue-routes.js';

/** A revenue CSV could not be read. Lists every bad line at once. */
export class RevenueCsvError extends Error {
  override readonly name = 'RevenueCsvError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const EXPECTED_HEADER = 'customer,period_start,period_end,amount[,source]';

/** The fields of a revenue row and the header names each is read from (first name the canonical one). */
const FIELDS = [
  { field: 'customer', names: ['customer', 'customer_id'], required: true },
  { field: 'period_start', names: ['period_start'], required: true },
  { field: 'period_end', names: ['period_end'], required: true },
  { field: 'amount', names: ['amount', 'amount_usd'], required: true },
  { field: 'source', names: ['source'], required: false },
] as const;

type Field = (typeof FIELDS)[number]['field'];

/**
 * Parses a revenue CSV with a header row: `customer,period_start,period_end,amount[,source]`
 * (period_end exclusive, dates YYYY-MM-DD, amount in USD). Column names are matched without case;
 * `customer_id` is accepted for `customer` and `amount_usd` for `amount`. Lines whose cells are all
 * empty (the `,,,,` a spreadsheet leaves at the end) are skipped. The header is checked first, so a
 * missing or repeated column is named once rather than reported on every line.
 */
export function parseRevenueCsv(text: string, file: string): RevenueEntry[] {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // With `info`, csv-parse returns each record with its position (its types do not say so).
    records = parse(text, { bom: true, skip_empty_lines: true, skip_records_with_empty_values: true, relax_column_count: true, trim: true, info: true }) as unknown as typeof records;
  } catch (err) {
    throw new RevenueCsvError(file, [(err as Error).message]);
  }
  const [header, ...rows] = records;
  if (header === undefined) throw new RevenueCsvError(file, [`no rows; expected a header "${EXPECTED_HEADER}" and data lines`]);
  const at = columnsOf(header.record, header.info.lines, file);
  const problems: string[] = [];
  const entries: RevenueEntry[] = [];
  for (const { record, info } of rows) {
    if (record.length !== header.record.length) {
      problems.push(`line ${info.lines}: ${record.length} fields where the header has ${header.record.length}; quote values that contain commas`);
      continue;
    }
    const cell = (f: Field): string | undefined => (at[f] === undefined ? undefined : record[at[f]]);
    const parsed = revenueEntrySchema.safeParse({
      customer: cell('customer'),
      period_start: cell('period_start'),
      period_end: cell('period_end'),
      amount: cell('amount'),
      source: cell('source') || 'csv',
    });
    if (parsed.success) entries.push(parsed.data);
    else problems.push(`line ${info.lines}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'row'}: ${x.message}`).join('; ')}`);
  }
  if (problems.length > 0) throw new RevenueCsvError(file, problems);
  if (entries.length === 0) throw new RevenueCsvError(file, [`no data lines after the header; expected "${EXPECTED_HEADER}" and data lines`]);
  return entries;
}

/** Where each field is in the header; every missing or repeated column is an error, listed together. */
function columnsOf(header: readonly string[], line: number, file: string): Partial<Record<Field, number>> {
  const names = header.map((h) => h.trim().toLowerCase());
  const at: Partial<Record<Field, number>> = {};
  const problems: string[] = [];
  for (const { field, names: accepted, required } of FIELDS) {
    const found = names.flatMap((n, i) => ((accepted as readonly string[]).includes(n) ? [i] : []));
    if (found.length > 1) problems.push(`line ${line}: column ${field} appears ${found.length} times (${found.map((i) => `${header[i]} in column ${i + 1}`).join(', ')}); keep one`);
    else if (found.length === 0 && required) problems.push(`line ${line}: missing column ${accepted.join(' or ')} in the header (${header.join(', ')}); expected "${EXPECTED_HEADER}"`);
    else at[field] = found[0];
  }
  if (problems.length > 0) throw new RevenueCsvError(file, problems);
  return at;
}
