import { CLICKHOUSE, PROMETHEUS } from './datasources.js';
import type { ClickHouseTarget, PrometheusTarget } from './model.js';

/** A target before the panel gives it its refId (A, B, ... in order). */
export type TargetSpec = Omit<ClickHouseTarget, 'refId'> | Omit<PrometheusTarget, 'refId'>;

/** Trims the common indentation so the SQL reads well in the JSON and in the Grafana editor. */
function tidy(sql: string): string {
  const lines = sql.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/**
 * A ClickHouse query returning a time series: the first column is the time (named `time`),
 * rows ordered by it ascending; a string column is pivoted long-to-wide by the plugin.
 */
export function chTimeSeries(sql: string): TargetSpec {
  return { datasource: CLICKHOUSE, editorType: 'sql', rawSql: tidy(sql), format: 0, queryType: 'timeseries' };
}

/** A ClickHouse query returning a table. */
export function chTable(sql: string): TargetSpec {
  return { datasource: CLICKHOUSE, editorType: 'sql', rawSql: tidy(sql), format: 1, queryType: 'table' };
}

/**
 * A Prometheus range query (or an instant one for tables, bar gauges and stats). Every exporter
 * replica publishes the same P&L gauges (computed from ClickHouse): read them with `max by`,
 * never `sum`, or N replicas show N times the revenue; counters are per replica and are summed.
 */
export function prom(expr: string, legendFormat: string, options: { instant?: boolean; table?: boolean } = {}): TargetSpec {
  const instant = options.instant ?? false;
  return { datasource: PROMETHEUS, expr, legendFormat, instant, range: !instant, format: options.table ? 'table' : 'time_series' };
}
