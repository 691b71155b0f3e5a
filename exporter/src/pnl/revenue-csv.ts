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

/**
 * Parses a revenue CSV with a header row: `customer,period_start,period_end,amount[,source]`
 * (period_end exclusive, dates YYYY-MM-DD, amount in USD). Column names are matched without case;
 * `customer_id` is accepted for `customer`.
 */
export function parseRevenueCsv(text: string, file: string): RevenueEntry[] {
  let records: Array<Record<string, string>>;
  try {
    records = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true });
  } catch (err) {
    throw new RevenueCsvError(file, [(err as Error).message]);
  }
  const problems: string[] = [];
  const entries: RevenueEntry[] = [];
  records.forEach((r, i) => {
    const parsed = revenueEntrySchema.safeParse({
      customer: r['customer'] ?? r['customer_id'],
      period_start: r['period_start'],
      period_end: r['period_end'],
      amount: r['amount'] ?? r['amount_usd'],
      source: r['source'] || 'csv',
    });
    if (parsed.success) entries.push(parsed.data);
    else problems.push(`line ${i + 2}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'row'}: ${x.message}`).join('; ')}`);
  });
  if (problems.length > 0) throw new RevenueCsvError(file, problems);
  if (entries.length === 0) throw new RevenueCsvError(file, ['no rows; expected a header "customer,period_start,period_end,amount[,source]" and data lines']);
  return entries;
}
