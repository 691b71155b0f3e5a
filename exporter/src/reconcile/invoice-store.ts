import { TupleParam } from '@clickhouse/client';
import type { PnlStore } from '../store/pnl-store.js';
import { query } from '../store/query-files.js';
import { StoreError } from '../store/store-error.js';
import { formatPicoUsd } from '../price/money.js';
import type { RatedTotal } from './compare-invoice.js';
import { decimalToPico } from './decimal-amount.js';
import type { CoveredDay, InvoiceTotal, ParsedInvoice } from './parse-invoice-csv.js';

/*
 * The model of a coverage marker: a zero row an import writes for every provider-day it covers,
 * so a day whose export bills nothing (an empty OpenAI bucket) is still known to be covered and
 * our cost on it is compared against 0 rather than left out as uninvoiced. No invoice line has an
 * empty model (the parser refuses it), so the marker never mixes with a billed total; it is
 * replaced and tombstoned like any key, in the same table, without a schema change.
 */
const MARKER_MODEL = '';

/** What an import changed. */
export interface InvoiceImportResult {
  /** Totals written: one per day x provider x model of the file (coverage markers not counted). */
  stored: number;
  /** Keys an earlier import of the same source had on the file's provider-days that the file no longer lists. */
  removed: number;
}

/** The ClickHouse side of reconciliation: `pnl.invoice_costs` and the daily rated costs. Days are `YYYY-MM-DD`, ranges [from, to). */
export class InvoiceStore {
  constructor(private readonly store: PnlStore) {}

  /**
   * Stores an invoice under `source`, replacing what that source said about each provider and day
   * the file covers (`invoice.covered`): same keys are replaced (ReplacingMergeTree on imported_at),
   * keys the file no longer lists get a tombstone. Other providers' rows of the same source and day
   * stay: two generic files of different providers both default to the source "generic".
   * Importing the same file again changes nothing.
   */
  async putInvoice(invoice: ParsedInvoice, source: string, file: string, now: Date = new Date()): Promise<InvoiceImportResult> {
    const covered = invoice.covered.map((c) => new TupleParam([c.provider, c.day]));
    const live = await this.store.select<{ live_provider: string; live_day: string; live_model: string }>(query('invoice-live-keys'), { source, covered });
    const markers = invoice.covered.map((c) => ({ day: c.day, provider: c.provider, model: MARKER_MODEL, costPico: 0n, lineItems: 0 }));
    const written = [...invoice.totals, ...markers];
    const listed = new Set(written.map((t) => keyOf(t.provider, t.day, t.model)));
    const importedAt = now.toISOString().replace('T', ' ').replace('Z', '');
    const rows = written.map((t) => ({
      source, provider: t.provider, day: t.day, model: t.model, cost_usd: formatPicoUsd(t.costPico), line_items: t.lineItems, file, imported_at: importedAt, is_deleted: 0,
    }));
    const gone = live.filter((k) => !listed.has(keyOf(k.live_provider, k.live_day, k.live_model)));
    for (const k of gone) rows.push({ source, provider: k.live_provider, day: k.live_day, model: k.live_model, cost_usd: '0', line_items: 0, file, imported_at: importedAt, is_deleted: 1 });
    if (rows.length > 0) {
      try {
        await this.store.client.insert({ table: 'pnl.invoice_costs', values: rows, format: 'JSONEachRow' });
      } catch (err) {
        throw new StoreError('insert into pnl.invoice_costs', err);
      }
    }
    return { stored: invoice.totals.length, removed: gone.length };
  }

  /** Invoice totals per day x provider x model (all sources summed), latest import only; coverage markers left out. */
  async invoiceTotals(from: string, to: string): Promise<InvoiceTotal[]> {
    const rows = await this.store.select<{ inv_day: string; inv_provider: string; inv_model: string; inv_cost_usd: string; inv_line_items: number | string }>(query('invoice-totals'), { from, to });
    return rows.map((r) => ({ day: r.inv_day, provider: r.inv_provider, model: r.inv_model, costPico: decimalToPico(r.inv_cost_usd), lineItems: Number(r.inv_line_items) }));
  }

  /**
   * The provider-days some imported invoice covers (any source), billed or not: those an import
   * marked and, for invoices imported before markers existed, those with a billed total.
   */
  async coveredDays(from: string, to: string): Promise<CoveredDay[]> {
    const rows = await this.store.select<{ cov_day: string; cov_provider: string }>(query('invoice-covered-days'), { from, to });
    return rows.map((r) => ({ day: r.cov_day, provider: r.cov_provider }));
  }

  /** Our rated cost per day x provider x model, from the daily aggregates. */
  async ratedTotals(from: string, to: string): Promise<RatedTotal[]> {
    const rows = await this.store.select<{ rated_day: string; rated_provider: string; rated_model: string; rated_cost_usd: string; rated_calls: number | string; rated_unpriced_calls: number | string }>(
      query('rated-daily-costs'),
      { from, to },
    );
    return rows.map((r) => ({
      day: r.rated_day, provider: r.rated_provider, model: r.rated_model, costPico: decimalToPico(r.rated_cost_usd), calls: Number(r.rated_calls), unpricedCalls: Number(r.rated_unpriced_calls),
    }));
  }
}

function keyOf(provider: string, day: string, model: string): string {
  return `${provider}\u0000${day}\u0000${model}`;
}
