import { Counter, Gauge, type Registry } from 'prom-client';

/** Where the durability gauges read their values at scrape time. */
export interface DurabilitySource {
  bufferedRows(): number;
  spoolBytes(): number;
  spoolBatches(): number;
  spoolMaxBytes(): number;
  oldestBatchAgeSeconds(): number;
}

/**
 * The exporter's own health: how much accepted data waits on disk for ClickHouse. Read at
 * scrape time from the spool, so they are exact whenever Prometheus looks.
 */
export class DurabilityMetrics {
  /** Rows of spooled batches that could not be read back (deleted or damaged on disk). */
  readonly spoolLostRows: Counter;

  constructor(registry: Registry, source: DurabilitySource) {
    const registers = [registry];
    new Gauge({
      name: 'pnl_buffer_rows',
      help: 'Rows accepted and waiting to be written to ClickHouse (in memory or in the spool).',
      registers,
      collect() {
        this.set(source.bufferedRows());
      },
    });
    new Gauge({
      name: 'pnl_spool_bytes',
      help: 'Bytes in the write-ahead spool: accepted rows not yet committed to ClickHouse.',
      registers,
      collect() {
        this.set(source.spoolBytes());
      },
    });
    new Gauge({
      name: 'pnl_spool_max_bytes',
      help: 'Spool size limit (PNL_SPOOL_MAX_BYTES); at it /v1/traces answers 503.',
      registers,
      collect() {
        this.set(source.spoolMaxBytes());
      },
    });
    new Gauge({
      name: 'pnl_spool_batches',
      help: 'Sealed batches waiting in the spool for ClickHouse.',
      registers,
      collect() {
        this.set(source.spoolBatches());
      },
    });
    new Gauge({
      name: 'pnl_spool_oldest_batch_age_seconds',
      help: 'Seconds the oldest batch waiting for ClickHouse has waited since it was sealed; 0 when none waits. The delay before accepted calls show in ClickHouse (dashboards, P&L gauges).',
      registers,
      collect() {
        this.set(source.oldestBatchAgeSeconds());
      },
    });
    this.spoolLostRows = new Counter({ name: 'pnl_spool_lost_rows_total', help: 'Rows of spooled batches that could not be read back from disk (lost).', registers });
  }
}
