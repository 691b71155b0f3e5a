import type { DataLink, FieldConfig, FieldOverride, Panel, PanelType, Target, Threshold } from './model.js';
import type { TargetSpec } from './targets.js';

/** Budget utilization colours: the API's default warn (70 %) and alert (90 %) ratios. */
export const BUDGET_THRESHOLDS: Array<[number, string]> = [
  [0.7, 'orange'],
  [0.9, 'red'],
];

/** Units used across the dashboards (Grafana unit ids). */
export type Unit = 'currencyUSD' | 'percentunit' | 'short' | 's' | 'cps';

/** A panel before layout: size only; the dashboard assigns id and position. */
export type PanelSpec = Omit<Panel, 'id' | 'gridPos'> & { size: { w: number; h: number } };

interface Common {
  title: string;
  description: string;
  unit: Unit;
  targets: TargetSpec[];
  w: number;
  h: number;
  /** Absolute thresholds above the base colour: [value, colour]. */
  thresholds?: Array<[number, string]>;
  /** Colour below the first threshold; green unless told. */
  baseColor?: string;
  /** Per-column units, for tables mixing money, ratios and counts. */
  columnUnits?: Record<string, Unit>;
  /** Adds the drill-down to Customer P&L on the `customer_id` column. */
  customerLink?: boolean;
}

/** The drill-down every customer-level panel offers, keeping the time range. */
export const CUSTOMER_LINK: DataLink = {
  title: 'Customer P&L',
  url: '/d/pnl-customer/customer-pnl?var-customer=${__data.fields.customer_id}&${__url_time_range}',
};

const REF_IDS = 'ABCDEFGHIJ';

function base(type: PanelType, c: Common, custom: Record<string, unknown>, options: Record<string, unknown>): PanelSpec {
  const targets: Target[] = c.targets.map((t, i) => ({ refId: REF_IDS[i]!, ...t }) as Target);
  const steps: Threshold[] = [{ color: c.baseColor ?? 'green', value: null }, ...(c.thresholds ?? []).map(([value, color]) => ({ color, value }))];
  const overrides: FieldOverride[] = Object.entries(c.columnUnits ?? {}).map(([name, unit]) => ({
    matcher: { id: 'byName', options: name },
    properties: [{ id: 'unit', value: unit }],
  }));
  if (c.customerLink) overrides.push({ matcher: { id: 'byName', options: 'customer_id' }, properties: [{ id: 'links', value: [CUSTOMER_LINK] }] });
  const fieldConfig: FieldConfig = {
    defaults: { unit: c.unit, color: { mode: type === 'timeseries' || type === 'piechart' ? 'palette-classic' : 'thresholds' }, thresholds: { mode: 'absolute', steps }, custom },
    overrides,
  };
  return { type, title: c.title, description: c.description, datasource: targets[0]!.datasource, targets, fieldConfig, options, size: { w: c.w, h: c.h } };
}

const LEGEND = { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['sum', 'mean', 'max'] };

/** Lines over time; `stack` for parts of a whole (base + evolution, tokens by kind). */
export function timeseries(c: Common & { stack?: boolean; bars?: boolean }): PanelSpec {
  const custom = {
    drawStyle: c.bars ? 'bars' : 'line',
    fillOpacity: c.stack || c.bars ? 60 : 10,
    lineWidth: 1,
    showPoints: 'never',
    spanNulls: true,
    stacking: { mode: c.stack ? 'normal' : 'none', group: 'A' },
  };
  return base('timeseries', c, custom, { legend: LEGEND, tooltip: { mode: 'multi', sort: 'desc' } });
}

/** One or a few big numbers. `graph` draws the sparkline (time series queries only). */
export function stat(c: Common & { graph?: boolean }): PanelSpec {
  return base('stat', c, {}, {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    colorMode: c.thresholds ? 'background' : 'value',
    graphMode: c.graph ? 'area' : 'none',
    textMode: 'auto',
    justifyMode: 'auto',
    orientation: 'auto',
  });
}

/** A table of rows, sorted by `sortBy` descending unless told otherwise. */
export function table(c: Common & { sortBy?: string; ascending?: boolean }): PanelSpec {
  const sortBy = c.sortBy === undefined ? [] : [{ displayName: c.sortBy, desc: !c.ascending }];
  return base('table', c, { align: 'auto', filterable: true }, { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: '' }, sortBy });
}

/** Horizontal bars, one per row (table queries) or per series (instant Prometheus queries). */
export function bargauge(c: Common & { max?: number }): PanelSpec {
  const panel = base('bargauge', c, {}, {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: true },
    orientation: 'horizontal',
    displayMode: 'gradient',
    showUnfilled: true,
    valueMode: 'color',
    namePlacement: 'auto',
    sizing: 'auto',
  });
  if (c.max !== undefined) {
    panel.fieldConfig.defaults.min = 0;
    panel.fieldConfig.defaults.max = c.max;
  }
  return panel;
}

/** Shares of a whole, one slice per series. */
export function piechart(c: Common): PanelSpec {
  return base('piechart', c, {}, {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    pieType: 'donut',
    displayLabels: ['name', 'value'],
    legend: { displayMode: 'table', placement: 'right', showLegend: true, values: ['value', 'percent'] },
    tooltip: { mode: 'single', sort: 'none' },
  });
}
