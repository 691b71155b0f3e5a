/**
 * The subset of Grafana's classic dashboard JSON model (schemaVersion 39) that our dashboards
 * use. Field names follow Grafana's `DashboardModel`/`PanelModel`; everything here is emitted
 * verbatim into grafana/dashboards/*.json.
 */

/** A datasource reference by fixed uid (never the `${DS_X}` import pattern). */
export interface DataSourceRef {
  type: 'prometheus' | 'grafana-clickhouse-datasource';
  uid: string;
}

/** A grafana-clickhouse-datasource v4 SQL target. `format`: 0 time series, 1 table. */
export interface ClickHouseTarget {
  refId: string;
  datasource: DataSourceRef;
  editorType: 'sql';
  rawSql: string;
  format: 0 | 1;
  queryType: 'timeseries' | 'table';
}

/** A Prometheus target. */
export interface PrometheusTarget {
  refId: string;
  datasource: DataSourceRef;
  expr: string;
  legendFormat: string;
  instant: boolean;
  range: boolean;
  format: 'time_series' | 'table';
}

export type Target = ClickHouseTarget | PrometheusTarget;

export interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

export interface DataLink {
  title: string;
  url: string;
}

export interface Threshold {
  color: string;
  value: number | null;
}

export interface FieldOverride {
  matcher: { id: 'byName'; options: string };
  properties: Array<{ id: string; value: unknown }>;
}

export interface FieldConfig {
  defaults: {
    unit: string;
    decimals?: number;
    min?: number;
    max?: number;
    color?: { mode: string };
    thresholds?: { mode: 'absolute'; steps: Threshold[] };
    custom?: Record<string, unknown>;
    links?: DataLink[];
  };
  overrides: FieldOverride[];
}

export type PanelType = 'timeseries' | 'stat' | 'table' | 'bargauge' | 'piechart';

export interface Panel {
  id: number;
  type: PanelType;
  title: string;
  description: string;
  gridPos: GridPos;
  datasource: DataSourceRef;
  targets: Target[];
  fieldConfig: FieldConfig;
  options: Record<string, unknown>;
  transformations?: Array<{ id: string; options: Record<string, unknown> }>;
}

export interface QueryVariable {
  type: 'query';
  name: string;
  label: string;
  description: string;
  datasource: DataSourceRef;
  query: { editorType: 'sql'; rawSql: string };
  definition: string;
  refresh: 2;
  /** Several values at once, and an "All" option (filter variables; see clickHouseVariable). */
  multi: boolean;
  includeAll: boolean;
  /** Blank: "All" expands to every option. */
  allValue?: '';
  sort: 1;
  current: Record<string, never> | { text: ['All']; value: ['$__all'] };
  options: [];
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  schemaVersion: 39;
  version: 1;
  editable: false;
  graphTooltip: 1;
  timezone: 'utc';
  refresh: string;
  time: { from: string; to: string };
  timepicker: Record<string, never>;
  templating: { list: QueryVariable[] };
  annotations: { list: [] };
  links: Array<{ title: string; type: 'dashboards'; tags: string[]; asDropdown: boolean; includeVars: boolean; keepTime: boolean }>;
  panels: Panel[];
}
