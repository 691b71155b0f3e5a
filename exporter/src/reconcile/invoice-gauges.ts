import { setTimeout as sleep } from 'node:timers/promises';
import { Gauge, type Registry } from 'prom-client';
import { addDays, isoDay } from '../api/date-range.js';
import type { Logger } from '../log/logger.js';
import { picoToUsdNumber } from '../price/money.js';
import type { Reconciliation, ReconciliationRow } from './compare-invoice.js';

/**
 * Invoiced days this far back feed the gauges: a monthly export imported a couple of weeks
 * into the next month still shows its worst day, and a variance stops alerting 45 days on
 * unless the data is fixed (re-rate, corrected invoice, model alias) earlier.
 */
export const INVOICE_GAUGE_WINDOW_DAYS = 45;

/** Longest a scrape waits for a due refresh before publishing the last values. */
const SCRAPE_WAIT_MS = 1000;

/**
 * The reconciliation gauges, recomputed from ClickHouse when /metrics is scraped (at most once per
 * `maxAgeMs`) and right after each import, so every replica publishes the same values without a
 * timer of its own:
 * - `pnl_invoice_variance_ratio{provider,model}`: of the invoiced days in the window, the day
 *   whose (rated - invoice) / invoice is largest in magnitude, signed; +Inf when we rated cost
 *   on a day an invoice covers for that provider but does not bill that model (or bills nothing),
 *   -1 when we rated none of what the invoice bills;
 * - `pnl_invoice_variance_usd{provider,model}`: rated - invoice on that same day;
 * - `pnl_invoice_tolerance_ratio`: the configured tolerance, which the alert compares against.
 */
export class InvoiceGauges {
  private readonly ratio: Gauge<'provider' | 'model'>;
  private readonly usd: Gauge<'provider' | 'model'>;
  private running: Promise<void> | undefined;
  private refreshedAt = Number.NEGATIVE_INFINITY;
  /** Data changes announced (refreshAfterChange), and how many of them the last finished run had seen when it began. */
  private changes = 0;
  private covered = 0;

  constructor(
    registry: Registry,
    private readonly compute: (range: { from: string; to: string }) => Promise<Reconciliation>,
    tolerancePct: number,
    private readonly logger: Logger,
    private readonly maxAgeMs: number,
  ) {
    const registers = [registry];
    // A scrape waits for a due refresh only briefly: with ClickHouse slow or down, /metrics must
    // still answer within Prometheus' scrape timeout (with the last values), or the exporter
    // would look down and every other metric would be lost with it.
    const fresh = async (): Promise<void> => {
      if (Date.now() - this.refreshedAt >= this.maxAgeMs) await Promise.race([this.refresh(), sleep(SCRAPE_WAIT_MS, undefined, { ref: false })]);
    };
    this.ratio = new Gauge({
      name: 'pnl_invoice_variance_ratio',
      help: `(rated - invoiced) / invoiced of the worst invoiced day of the last ${INVOICE_GAUGE_WINDOW_DAYS} days, per provider and model (+Inf: rated, not invoiced).`,
      labelNames: ['provider', 'model'],
      registers,
      collect: fresh,
    });
    this.usd = new Gauge({
      name: 'pnl_invoice_variance_usd',
      help: 'Rated - invoiced cost in USD on the day pnl_invoice_variance_ratio reports.',
      labelNames: ['provider', 'model'],
      registers,
      collect: fresh,
    });
    new Gauge({ name: 'pnl_invoice_tolerance_ratio', help: 'Configured invoice reconciliation tolerance, 0..1 (PNL_INVOICE_TOLERANCE_PCT).', registers }).set(tolerancePct / 100);
  }

  /** Recomputes the gauges now; overlapping calls share one run, failures keep the last values and are logged. */
  refresh(now: Date = new Date()): Promise<void> {
    if (this.running === undefined) {
      const seen = this.changes;
      this.running = this.compute({ from: addDays(isoDay(now), -INVOICE_GAUGE_WINDOW_DAYS), to: addDays(isoDay(now), 1) })
        .then((r) => this.publish(r))
        .catch((err: unknown) => this.logger.warn('invoice variance gauge refresh failed', { error: (err as Error).message }))
        .finally(() => {
          this.refreshedAt = Date.now();
          this.covered = Math.max(this.covered, seen);
          this.running = undefined;
        });
    }
    return this.running;
  }

  /**
   * Recomputes after the data changed (an import). A run already in flight, started by a scrape
   * before the change, may have read the old rows: sharing it, the gauges showed pre-import
   * values until the next refresh (found by an audit). So this waits for a run that began after
   * the change.
   */
  async refreshAfterChange(now: Date = new Date()): Promise<void> {
    const change = ++this.changes;
    while (this.covered < change) await (this.running ?? this.refresh(now));
  }

  private publish(r: Reconciliation): void {
    const worst = new Map<string, ReconciliationRow>();
    for (const row of r.rows) {
      const id = `${row.provider}\u0000${row.model}`;
      const seen = worst.get(id);
      if (seen === undefined || magnitude(row) > magnitude(seen)) worst.set(id, row);
    }
    this.ratio.reset();
    this.usd.reset();
    for (const row of worst.values()) {
      const labels = { provider: row.provider, model: row.model };
      this.ratio.set(labels, row.varianceRatio ?? (row.diffPico > 0n ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY));
      this.usd.set(labels, picoToUsdNumber(row.diffPico));
    }
  }
}

function magnitude(row: ReconciliationRow): number {
  return row.varianceRatio === null ? Number.POSITIVE_INFINITY : Math.abs(row.varianceRatio);
}
