import { describe, expect, it } from 'vitest';
import { parseRevenueCsv, RevenueCsvError } from '../../exporter/src/pnl/revenue-csv.js';

function problemsOf(text: string): string[] {
  try {
    parseRevenueCsv(text, 'revenue.csv');
  } catch (err) {
    expect(err).toBeInstanceOf(RevenueCsvError);
    return (err as RevenueCsvError).problems;
  }
  throw new Error('expected the CSV to be rejected');
}

describe('revenue CSV', () => {
  it('reads rows, with customer_id and amount_usd accepted for customer and amount, and csv as the default source', () => {
    expect(parseRevenueCsv('Customer_ID,period_start,period_end,AMOUNT_USD\ncust_a,2026-03-01,2026-04-01,12.5\n', 'r.csv')).toEqual([
      { customer: 'cust_a', period_start: '2026-03-01', period_end: '2026-04-01', amount: '12.5', source: 'csv' },
    ]);
  });

  it('skips the all-empty lines a spreadsheet leaves at the end, whatever their length', () => {
    const text = 'customer,period_start,period_end,amount,source\ncust_a,2026-03-01,2026-04-01,10,stripe\n,,,,\n , , ,,\n,,\n';
    expect(parseRevenueCsv(text, 'excel.csv')).toEqual([{ customer: 'cust_a', period_start: '2026-03-01', period_end: '2026-04-01', amount: '10', source: 'stripe' }]);
  });

  it('names a missing column once, from the header, instead of failing every line', () => {
    expect(problemsOf('customer,period_start,period_end,price\ncust_a,2026-03-01,2026-04-01,10\ncust_b,2026-03-01,2026-04-01,20\n')).toEqual([
      'line 1: missing column amount or amount_usd in the header (customer, period_start, period_end, price); expected "customer,period_start,period_end,amount[,source]"',
    ]);
  });

  it('refuses a repeated column (or both spellings of one) rather than silently reading one of them', () => {
    expect(problemsOf('customer,period_start,period_end,amount,Amount\ncust_a,2026-03-01,2026-04-01,10,20\n')).toEqual([
      'line 1: column amount appears 2 times (amount in column 4, Amount in column 5); keep one',
    ]);
    expect(problemsOf('customer,customer_id,period_start,period_end,amount\ncust_a,cust_b,2026-03-01,2026-04-01,10\n')).toEqual([
      'line 1: column customer appears 2 times (customer in column 1, customer_id in column 2); keep one',
    ]);
  });

  it('lists every bad line with its line number in the file', () => {
    expect(problemsOf('customer,period_start,period_end,amount\n\ncust_x,2026-01-01,2025-01-01,1\n,2026-01-01,2026-02-01,x\ncust_y,2026-01-01\n')).toEqual([
      'line 3: period_end: period_start must be before period_end (exclusive)',
      'line 4: customer: Too small: expected string to have >=1 characters; amount: must be a decimal number with at most 12 decimals',
      'line 5: 2 fields where the header has 4; quote values that contain commas',
    ]);
  });
});
