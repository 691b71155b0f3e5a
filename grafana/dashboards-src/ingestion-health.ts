import { dashboard } from './dashboard.js';
import type { Dashboard } from './model.js';
import { stat, timeseries } from './panels.js';
import { prom } from './targets.js';

/** Spans in over OTLP, rows out into ClickHouse, and what sits between: the SRE's view, where the service alerts lead. */
export function ingestionHealth(): Dashboard {
  // Counters are per replica: summed. Histograms: buckets summed by le before the quantile.
  // Time series of counters use 1-minute rates (4 scrapes at 15 s) so a burst shows; stats and
  // quantiles 5-minute ones, like the alert rules.
  const quantile = (q: number, metric: string, by = ''): string => `histogram_quantile(${q}, sum by (${by}le) (rate(${metric}_bucket[5m])))`;
  return dashboard({
    uid: 'pnl-ingest',
    title: 'Agentic P&L: ingestion health',
    description: 'For SREs: spans received, rejected, duplicated and left out; ingest lag; ClickHouse inserts; the write-ahead spool. The service alerts link here.',
    time: { from: 'now-6h', to: 'now' },
    panels: [
      stat({
        title: 'Spans received',
        description: 'Spans received per second over OTLP (and in process), all replicas, 5-minute rate (pnl_spans_received_total).',
        unit: 'cps', w: 4, h: 4, graph: true,
        targets: [prom('sum(rate(pnl_spans_received_total[5m]))', 'received')],
      }),
      stat({
        title: 'Rejected share',
        description: 'Spans refused (answered as OTLP partial success, or refused whole: too large, undecodable, spool full, overload) per span received, 5-minute rates. The reasons are in "Rejected spans by reason".',
        unit: 'percentunit', w: 4, h: 4, thresholds: [[0.01, 'orange'], [0.05, 'red']],
        targets: [prom('(sum(rate(pnl_spans_rejected_total[5m])) or vector(0)) / clamp_min(sum(rate(pnl_spans_received_total[5m])), 1e-9)', 'rejected')],
      }),
      stat({
        title: 'Ingest lag p95',
        description: 'Time from the end of an LLM span to its acceptance here, 95th percentile over 5 minutes, all replicas. PnlIngestLagHigh fires above 2 minutes for 10 minutes.',
        unit: 's', w: 4, h: 4, thresholds: [[30, 'orange'], [120, 'red']],
        targets: [prom(quantile(0.95, 'pnl_ingest_lag_seconds'), 'p95')],
      }),
      stat({
        title: 'Rows waiting for ClickHouse',
        description: 'Rows accepted and not yet committed, in memory or in the spool, all replicas (pnl_buffer_rows). Normally under one batch (PNL_BATCH_MAX_ROWS) per replica.',
        unit: 'short', w: 4, h: 4,
        targets: [prom('sum(pnl_buffer_rows)', 'rows')],
      }),
      stat({
        title: 'Spool used',
        description: 'The fullest replica\'s write-ahead spool as a share of PNL_SPOOL_MAX_BYTES. PnlSpoolFilling fires over 50% for 5 minutes; at 100% /v1/traces answers 503.',
        unit: 'percentunit', w: 4, h: 4, thresholds: [[0.2, 'orange'], [0.5, 'red']],
        targets: [prom('max(pnl_spool_bytes / pnl_spool_max_bytes)', 'spool')],
      }),
      stat({
        title: 'Failed inserts (1h)',
        description: 'ClickHouse batch inserts that failed in the last hour, all replicas (retried with backoff; the rows wait in the spool). PnlClickHouseWritesFailing fires when failures go on for 10 minutes.',
        unit: 'short', w: 4, h: 4, thresholds: [[1, 'red']],
        targets: [prom('sum(increase(pnl_clickhouse_insert_errors_total[1h]))', 'failed')],
      }),
      timeseries({
        title: 'Spans in, rows out',
        description: 'Per second (1-minute rates, so bursts show), all replicas: spans received; rows committed to ClickHouse (LLM calls, runs, outcomes); spans delivered again and dropped as duplicates; model-call spans left out because they wrap another model call (their tokens would count twice). Received minus rejected, duplicates and ignored spans (non-LLM) is what gets stored.',
        unit: 'cps', w: 12, h: 8,
        targets: [
          prom('sum(rate(pnl_spans_received_total[1m]))', 'received'),
          prom('sum(rate(pnl_clickhouse_rows_written_total[1m]))', 'rows written'),
          prom('sum(rate(pnl_spans_duplicate_total[1m]))', 'duplicates'),
          prom('sum(rate(pnl_llm_wrapper_spans_total[1m]))', 'wrapper spans (not priced)'),
        ],
      }),
      timeseries({
        title: 'Rejected spans by reason',
        description: 'Spans refused per second (1-minute rate) by reason (pnl_spans_rejected_total): invalid_usage, invalid_ids and the like are the sender\'s to fix (see the OTLP partial_success message); spool_full, too_many_requests and memory mean this service is overloaded or ClickHouse is behind.',
        unit: 'cps', w: 12, h: 8, stack: true,
        targets: [prom('sum by (reason) (rate(pnl_spans_rejected_total[1m]))', '{{reason}}')],
      }),
      timeseries({
        title: 'Ingest lag',
        description: 'Time from the end of an LLM span to its acceptance here: median and 95th percentile over 5 minutes, all replicas. Lag grows when senders batch or retry, or when this service answers 429/503.',
        unit: 's', w: 8, h: 8,
        targets: [prom(quantile(0.5, 'pnl_ingest_lag_seconds'), 'p50'), prom(quantile(0.95, 'pnl_ingest_lag_seconds'), 'p95')],
      }),
      timeseries({
        title: 'ClickHouse insert time',
        description: 'Duration of one batch insert (pnl_clickhouse_insert_duration_seconds), median and 95th percentile over 5 minutes, per replica. Inserts slower than PNL_BATCH_MAX_DELAY_MS mean ClickHouse is falling behind.',
        unit: 's', w: 8, h: 8,
        targets: [
          prom(quantile(0.5, 'pnl_clickhouse_insert_duration_seconds', 'instance, '), 'p50 {{instance}}'),
          prom(quantile(0.95, 'pnl_clickhouse_insert_duration_seconds', 'instance, '), 'p95 {{instance}}'),
        ],
      }),
      timeseries({
        title: 'Spool use by replica',
        description: 'Each replica\'s write-ahead spool (accepted rows not yet in ClickHouse) as a share of PNL_SPOOL_MAX_BYTES. It grows while ClickHouse is down or slow and drains when it is back.',
        unit: 'percentunit', w: 8, h: 8,
        targets: [prom('max by (instance) (pnl_spool_bytes / pnl_spool_max_bytes)', '{{instance}}')],
      }),
      timeseries({
        title: 'OTLP requests by status',
        description: 'Export requests answered per second (1-minute rate) by HTTP status, all replicas: 200 accepted (maybe with partial_success), 400/413/415 the sender\'s to fix, 429/503 overload or storage trouble (senders retry).',
        unit: 'cps', w: 8, h: 8, stack: true,
        targets: [prom('sum by (status) (rate(pnl_otlp_requests_total[1m]))', '{{status}}')],
      }),
      timeseries({
        title: 'Requests in flight',
        description: 'Export requests being read or ingested at once, per replica (limit PNL_MAX_CONCURRENT_REQUESTS; beyond it 429).',
        unit: 'short', w: 8, h: 8,
        targets: [prom('max by (instance) (pnl_otlp_requests_in_flight)', '{{instance}}')],
      }),
      timeseries({
        title: 'Replicas scraped',
        description: 'Whether Prometheus could scrape each replica (up: 1 yes, 0 no). PnlExporterDown fires after 2 minutes at 0; while a replica is down its counters are missing from every sum on these dashboards. A replica that is starting (waiting for ClickHouse) answers /metrics with 503 and counts as down.',
        unit: 'short', w: 8, h: 8,
        targets: [prom('up{job="agentic-pnl"}', '{{instance}}')],
      }),
      timeseries({
        title: 'Oldest batch waiting',
        description: 'Seconds the oldest batch of accepted rows has waited for ClickHouse, per replica (pnl_spool_oldest_batch_age_seconds): about the delay before accepted calls show on the dashboards. PnlClickHouseLagHigh fires above 2 minutes for 5 minutes.',
        unit: 's', w: 8, h: 8, thresholds: [[120, 'red']],
        targets: [prom('max by (instance) (pnl_spool_oldest_batch_age_seconds)', '{{instance}}')],
      }),
      timeseries({
        title: 'P&L gauges age',
        description: 'Seconds since each replica last recomputed its P&L gauges (revenue, margin, risk, budgets, anomalies) from ClickHouse; normally under PNL_PNL_REFRESH_MS (30 s). PnlGaugesStale fires above 10 minutes for 5 minutes: the budget and P&L alerts read those gauges.',
        unit: 's', w: 8, h: 8, thresholds: [[600, 'red']],
        targets: [prom('time() - max by (instance) (pnl_gauges_refreshed_timestamp_seconds)', '{{instance}}')],
      }),
      timeseries({
        title: 'Newest backup age',
        description: 'Seconds since the newest backup in PNL_BACKUP_DIR finished (agentic-pnl backup), across replicas; empty until one was taken. PnlBackupStale fires above 26 hours for 30 minutes. Failed backups: pnl_backup_failures_total.',
        unit: 's', w: 8, h: 8, thresholds: [[93_600, 'red']],
        targets: [prom('time() - max(pnl_backup_last_success_timestamp_seconds > 0)', 'newest backup')],
      }),
    ],
  });
}
