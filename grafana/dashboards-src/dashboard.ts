import type { Dashboard, Panel, QueryVariable } from './model.js';
import type { PanelSpec } from './panels.js';

const GRID_COLUMNS = 24;

/**
 * Places panels left to right in Grafana's 24-column grid, starting a new row when the next
 * panel does not fit, and numbers them 1, 2, ... in reading order (stable ids, stable JSON).
 */
export function layout(specs: PanelSpec[]): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map(({ size, ...rest }, i) => {
    if (x + size.w > GRID_COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const panel: Panel = { id: i + 1, ...rest, gridPos: { h: size.h, w: size.w, x, y } };
    x += size.w;
    rowHeight = Math.max(rowHeight, size.h);
    return panel;
  });
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  panels: PanelSpec[];
  variables?: QueryVariable[];
  time?: { from: string; to: string };
}

/** A complete dashboard with our shared settings (UTC, read-only, linked by the `agentic-pnl` tag). */
export function dashboard(spec: DashboardSpec): Dashboard {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['agentic-pnl'],
    schemaVersion: 39,
    version: 1,
    editable: false,
    graphTooltip: 1,
    timezone: 'utc',
    refresh: '1m',
    time: spec.time ?? { from: 'now-30d', to: 'now' },
    timepicker: {},
    templating: { list: spec.variables ?? [] },
    annotations: { list: [] },
    links: [{ title: 'Agentic P&L', type: 'dashboards', tags: ['agentic-pnl'], asDropdown: true, includeVars: false, keepTime: true }],
    panels: layout(spec.panels),
  };
}
