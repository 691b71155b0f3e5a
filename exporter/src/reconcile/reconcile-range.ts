import { compareInvoice, type CompareOptions, type Reconciliation } from './compare-invoice.js';
import type { InvoiceStore } from './invoice-store.js';

/** Reads both sides for the UTC days [from, to) and compares them (see compareInvoice). */
export async function reconcileRange(store: InvoiceStore, range: { from: string; to: string }, options: CompareOptions): Promise<Reconciliation> {
  const [rated, invoice, covered] = await Promise.all([
    store.ratedTotals(range.from, range.to),
    store.invoiceTotals(range.from, range.to),
    store.coveredDays(range.from, range.to),
  ]);
  return compareInvoice(rated, invoice, options, covered);
}
