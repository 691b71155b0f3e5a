/**
 * Renders preview pictures of the committed Grafana dashboards (grafana/dashboards/*.json) for
 * the README, without Grafana: every ClickHouse panel's SQL is expanded like the plugin does
 * (test/grafana/grafana-macros.ts) and run on the embedded engine holding demo data; the panels
 * are drawn into one HTML page per dashboard (Chart.js, inlined, offline) and screenshotted with
 * headless Chromium. Prometheus panels are placeholders, or a labelled ClickHouse equivalent; with
 * `--prometheus <url>` they are queried from that Prometheus instead (instant queries for stats,
 * range queries for time series), e.g. one scraping a service under a load test.
 *
 *   npx tsc -b exporter instrumentation
 *   node exporter/dist/cli/main.js demo --data-dir /tmp/preview-data
 *   node --import tsx grafana/preview/render-previews.ts [--data-dir /tmp/preview-data] [--out docs/img]
 *        [--spread-days 14] [--customer umbrella-2] [--keep-html]
 *        [--only pnl-ingest,...] [--prometheus http://127.0.0.1:9090] [--range now-20m]
 *
 * `--only` renders the named dashboards; `--range` replaces their default time range. The
 * ClickHouse data dir is only opened when a rendered panel reads ClickHouse.
 *
 * The demo sends all its traffic within a second, so by default the preview works on a copy of
 * the data dir where each run's calls, run and outcomes are moved back by a per-run offset of up
 * to `--spread-days` days (and pnl.llm_costs_daily is rebuilt from the moved calls), so time
 * series have a shape. `--spread-days 0` keeps the data as the demo wrote it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PnlStore } from '../../exporter/dist/store/pnl-store.js';
import { expandQuery } from '../../test/grafana/grafana-macros.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: '/tmp/preview-data' },
    out: { type: 'string', default: join(ROOT, 'docs', 'img') },
    'spread-days': { type: 'string', default: '14' },
    customer: { type: 'string' },
    'keep-html': { type: 'boolean', default: false },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    only: { type: 'string' },
    prometheus: { type: 'string' },
    range: { type: 'string' },
  },
});

const BANNER = 'Preview rendered by grafana/preview from the data named below — not a Grafana screenshot';
const WIDTH = 1400;
const CELL_H = 30;
const GAP = 8;

// ---------------------------------------------------------------------------------------------
// Dashboard model (the subset we read from the committed JSON)

interface Target { refId: string; datasource: { type: string; uid: string }; rawSql?: string; format?: number; expr?: string; legendFormat?: string }
interface Panel {
  id: number; type: string; title: string; description: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: string; uid: string };
  targets: Target[];
  fieldConfig: {
    defaults: { unit: string; min?: number; max?: number; thresholds: { steps: Array<{ color: string; value: number | null }> }; custom: Record<string, any> };
    overrides: Array<{ matcher: { options: string }; properties: Array<{ id: string; value: unknown }> }>;
  };
  options: Record<string, any>;
}
interface Dashboard { uid: string; title: string; time: { from: string; to: string }; panels: Panel[]; templating: { list: Array<{ name: string; query: { rawSql: string } }> } }

type Row = Record<string, unknown>;
type PanelData = { kind: 'rows'; rows: Row[]; sql: string; note?: string } | { kind: 'placeholder'; text: string } | { kind: 'error'; text: string };

// ---------------------------------------------------------------------------------------------
// Data

async function prepareStore(): Promise<{ store: PnlStore; cleanup: () => void }> {
  const spreadDays = Number(args['spread-days']);
  const work = mkdtempSync(join(tmpdir(), 'pnl-preview-'));
  const dataDir = join(work, 'data');
  cpSync(args['data-dir']!, dataDir, { recursive: true });
  const store = await PnlStore.open({ kind: 'embedded', dataDir } as never);
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  if (spreadDays > 0) await spread(store, spreadDays);
  return { store, cleanup };
}

/** Moves each run (calls, run, outcomes together) back by a deterministic offset, weighted to recent days. */
async function spread(store: PnlStore, days: number): Promise<void> {
  const cmd = (query: string) => store.client.command({ query, clickhouse_settings: { insert_deduplicate: 0 } as never });
  const [newest] = await store.select<{ latest: string }>('SELECT toUnixTimestamp64Micro(max(start_time)) AS latest FROM pnl.llm_calls');
  if (newest === undefined) throw new Error(`no calls in ${args['data-dir']}: run the demo into it first (npm run demo -- --data-dir ${args['data-dir']})`);
  const shiftTo = BigInt(Math.floor(Date.now() / 1000)) * 1_000_000n - 60_000_000n - BigInt(newest.latest);
  const span = BigInt(days) * 86_400_000_000n;
  const offset = (key: string) =>
    `(${shiftTo} - toInt64(pow((cityHash64(${key}) % 1000000) / 1000000, 1.6) * ${span}))`;
  const runKey = `if(run_id = '', toString(trace_id), run_id)`;
  for (const [table, col] of [['llm_calls', 'start_time'], ['agent_runs', 'start_time'], ['outcomes', 'at']] as const) {
    await cmd(`DROP TABLE IF EXISTS pnl.preview_tmp`);
    await cmd(`CREATE TABLE pnl.preview_tmp AS pnl.${table}`);
    await cmd(`INSERT INTO pnl.preview_tmp SELECT * FROM pnl.${table}`);
    await cmd(`TRUNCATE TABLE pnl.${table}`);
    await cmd(`INSERT INTO pnl.${table} SELECT * REPLACE (fromUnixTimestamp64Micro(toUnixTimestamp64Micro(${col}) + ${offset(runKey)}, 'UTC') AS ${col}) FROM pnl.preview_tmp`);
    await cmd(`DROP TABLE pnl.preview_tmp`);
  }
  await cmd(`TRUNCATE TABLE pnl.llm_costs_daily`);
  await cmd(`INSERT INTO pnl.llm_costs_daily
    SELECT toDate(start_time) AS day, customer_id, feature_id, provider, request_model AS model, attempt_reason,
      count() AS calls, countIf(status = 'error') AS error_calls, countIf(NOT priced) AS unpriced_calls,
      sum(input_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
      toDecimal128(sum(ifNull(cost_usd, 0)), 12), sum(duration_us), any(customer_tier)
    FROM pnl.llm_calls GROUP BY day, customer_id, feature_id, provider, request_model, attempt_reason`);
}

const RANGE_UNITS: Record<string, number> = { m: 60, h: 3600, d: 86_400, w: 604_800 };
function rangeSeconds(from: string): number {
  const m = /^now-(\d+)([mhdw])$/.exec(from);
  if (!m) throw new Error(`unsupported time range ${from}`);
  return Number(m[1]) * RANGE_UNITS[m[2]!]!;
}

/** About 60 buckets per range, rounded to a Grafana-like interval. */
function intervalFor(range: number): number {
  const nice = [60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];
  return nice.find((n) => range / n <= 80) ?? 86_400;
}

async function loadPanel(getStore: () => Promise<PnlStore>, d: Dashboard, p: Panel, ctx: { from: number; to: number; intervalSeconds: number; variables: Record<string, string> }): Promise<PanelData> {
  const ch = p.targets.filter((t) => t.datasource.type === 'grafana-clickhouse-datasource');
  if (ch.length === 0 && args.prometheus !== undefined) {
    try {
      return { kind: 'rows', rows: await prometheusRows(args.prometheus, p, ctx.from, ctx.to), sql: '' };
    } catch (err) {
      return { kind: 'error', text: String((err as Error).message).slice(0, 300) };
    }
  }
  const store = await getStore();
  if (ch.length === 0) {
    const equivalent = await promEquivalent(store, d, p);
    if (equivalent) return equivalent;
    const exprs = p.targets.map((t) => t.expr).join('\n');
    return { kind: 'placeholder', text: exprs };
  }
  const sql = expandQuery(ch[0]!.rawSql!, ctx);
  try {
    return { kind: 'rows', rows: await store.select<Row>(sql), sql };
  } catch (err) {
    return { kind: 'error', text: String((err as Error).message).slice(0, 300) };
  }
}

/** The column naming a Prometheus row's series (its values may look numeric, e.g. HTTP statuses). */
const SERIES = '__series';

/** A Prometheus series' name as Grafana shows it: the target's legend format with its labels filled in. */
function legendOf(format: string | undefined, labels: Record<string, string>, fallback: string): string {
  if (!format) return fallback;
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? '');
}

/**
 * A Prometheus panel's data as the renderers' rows: a stat gets one row with a field per series
 * (the value at `to`), a time series rows of (time, series, value) over [from, to].
 */
async function prometheusRows(base: string, p: Panel, from: number, to: number): Promise<Row[]> {
  type Series = { metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> };
  const query = async (path: string, params: Record<string, string>): Promise<Series[]> => {
    const res = await fetch(`${base}/api/v1/${path}?${new URLSearchParams(params).toString()}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; error?: string; data?: { result: Series[] } };
    if (body.status !== 'success') throw new Error(`Prometheus: ${body.error ?? res.statusText} (${params['query']})`);
    return body.data!.result;
  };
  const targets = p.targets.filter((t) => t.expr !== undefined);
  if (p.type === 'stat') {
    const row: Row = {};
    for (const t of targets) for (const r of await query('query', { query: t.expr!, time: String(to) })) row[legendOf(t.legendFormat, r.metric, t.refId)] = Number(r.value![1]);
    return Object.keys(row).length === 0 ? [] : [row];
  }
  const step = Math.max(1, Math.round((to - from) / 150));
  const rows: Row[] = [];
  for (const t of targets) {
    for (const r of await query('query_range', { query: t.expr!, start: String(from), end: String(to), step: String(step) })) {
      const series = legendOf(t.legendFormat, r.metric, t.refId);
      for (const [at, v] of r.values ?? []) rows.push({ time: new Date(at * 1000).toISOString().slice(0, 19).replace('T', ' '), [SERIES]: series, value: Number.isFinite(Number(v)) ? Number(v) : null });
    }
  }
  return rows.sort((a, b) => String(a['time']).localeCompare(String(b['time'])));
}

/** ClickHouse stand-ins for Prometheus panels whose metric has a direct ClickHouse counterpart. */
async function promEquivalent(store: PnlStore, d: Dashboard, p: Panel): Promise<PanelData | undefined> {
  if (d.uid === 'pnl-budgets' && p.title === 'Budget utilization by customer') {
    const budgets = d.panels.find((q) => q.title === 'Budgets and spend this period')!;
    const sql = expandQuery(budgets.targets[0]!.rawSql!, { from: 0, to: Math.floor(Date.now() / 1000), intervalSeconds: 60, variables: {} });
    const rows = await store.select<Row>(sql);
    return {
      kind: 'rows',
      sql,
      rows: rows.map((r) => ({ customer: r['customer_id'], utilization: r['utilization'] })).sort((a, b) => Number(b.utilization) - Number(a.utilization)),
      note: 'Live panel reads Prometheus; preview computed from ClickHouse (budgets + spend this period)',
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const COLORS: Record<string, string> = {
  green: '#73bf69', red: '#f2495c', orange: '#ff9830', yellow: '#fade2a', blue: '#5794f2', purple: '#b877d9',
  'dark-red': '#c4162a', 'dark-green': '#37872d', 'dark-orange': '#fa6400', 'dark-yellow': '#e0b400', text: '#ccccdc',
};
const PALETTE = ['#73bf69', '#f2cc0c', '#8ab8ff', '#ff780a', '#f2495c', '#5794f2', '#b877d9', '#705da0', '#37872d', '#fade2a', '#447ebc', '#c15c17'];
const color = (c: string) => COLORS[c] ?? c;

function thresholdColor(p: Panel, v: number): string {
  let c = p.fieldConfig.defaults.thresholds.steps[0]!.color;
  for (const s of p.fieldConfig.defaults.thresholds.steps) if (s.value === null || v >= s.value) c = s.color;
  return color(c);
}

function unitOf(p: Panel, column: string): string {
  for (const o of p.fieldConfig.overrides) if (o.matcher.options === column) for (const prop of o.properties) if (prop.id === 'unit') return String(prop.value);
  return p.fieldConfig.defaults.unit;
}
const hasLink = (p: Panel, column: string) => p.fieldConfig.overrides.some((o) => o.matcher.options === column && o.properties.some((x) => x.id === 'links'));

function fmt(v: unknown, unit: string): string {
  if (v === null || v === undefined) return '—';
  const n = typeof v === 'number' ? v : Number(v);
  if (typeof v === 'string' && (v === '' || !Number.isFinite(n))) return v;
  if (typeof v === 'boolean') return String(v);
  if (!Number.isFinite(n)) return String(v);
  const abs = Math.abs(n);
  switch (unit) {
    case 'currencyUSD': {
      const digits = abs === 0 ? 2 : abs < 0.01 ? 4 : abs < 1000 ? 2 : 0;
      if (abs >= 1e6) return `${n < 0 ? '-' : ''}$${(abs / 1e6).toFixed(2)}M`;
      return `${n < 0 ? '-' : ''}$${abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
    }
    case 'percentunit':
      return `${(n * 100).toFixed(abs < 0.1 && abs > 0 ? 2 : 1)}%`;
    case 'cps':
      return `${fmt(abs >= 100 && abs < 1e4 ? Math.round(n) : n, 'short')}/s`;
    case 's':
      return abs === 0 ? '0 s' : abs < 0.001 ? `${(n * 1e6).toFixed(abs < 1e-5 ? 1 : 0)} µs` : abs < 1 ? `${(n * 1000).toFixed(abs < 0.01 ? 1 : 0)} ms` : `${n.toFixed(2)} s`;
    default:
      if (abs >= 1e9) return `${(n / 1e9).toFixed(2)} Bil`;
      if (abs >= 1e6) return `${(n / 1e6).toFixed(2)} Mil`;
      if (abs >= 1e4) return `${(n / 1e3).toFixed(1)} K`;
      return Number.isInteger(n) ? String(n) : n.toFixed(abs < 1 ? 3 : 2);
  }
}

const esc = (s: unknown) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const isNumeric = (v: unknown) => typeof v === 'number' || (typeof v === 'string' && v !== '' && /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v));

// ---------------------------------------------------------------------------------------------
// Panel renderers: each returns the panel body HTML and optionally a chart config for the page script

interface Rendered { body: string; chart?: unknown }
let chartSeq = 0;
const NO_DATA = '<div class="nodata">No data<br><small>(the demo workload has no rows for this query)</small></div>';

function renderStat(p: Panel, rows: Row[], hPx: number, wPx: number): Rendered {
  const row = rows[0] ?? {};
  const fields = Object.entries(row).filter(([, v]) => isNumeric(v) || v === null);
  const bg = p.options['colorMode'] === 'background';
  const texts = fields.map(([k, v]) => fmt(v, unitOf(p, k)));
  const longest = Math.max(...texts.map((t) => t.length), 1);
  const cellW = (wPx - 16 - 6 * (fields.length - 1)) / Math.max(fields.length, 1);
  const size = Math.max(16, Math.min(46, hPx / 3.2, (cellW * 0.85) / (longest * 0.6)));
  const cells = fields.map(([k, v]) => {
    const n = v === null ? NaN : Number(v);
    const c = Number.isFinite(n) ? thresholdColor(p, n) : COLORS['text']!;
    const style = bg ? `background:linear-gradient(120deg, ${c}, ${c}cc);color:#fff` : `color:${c}`;
    const label = fields.length > 1 ? `<div class="stat-label">${esc(k)}</div>` : '';
    return `<div class="stat-cell" style="${style}">${label}<div class="stat-value" style="font-size:${size}px">${esc(fmt(v, unitOf(p, k)))}</div></div>`;
  });
  return { body: `<div class="stat">${cells.join('') || NO_DATA}</div>` };
}

function renderTable(p: Panel, rows: Row[], hPx: number): Rendered {
  if (rows.length === 0) return { body: NO_DATA };
  const cols = Object.keys(rows[0]!);
  const sort = (p.options['sortBy'] as Array<{ displayName: string; desc: boolean }> | undefined)?.[0];
  const sorted = [...rows];
  if (sort) sorted.sort((a, b) => {
    const x = a[sort.displayName];
    const y = b[sort.displayName];
    const cmp = isNumeric(x) && isNumeric(y) ? Number(x) - Number(y) : String(x).localeCompare(String(y));
    return sort.desc ? -cmp : cmp;
  });
  const fit = Math.max(1, Math.floor((hPx - 30) / 24));
  const shown = sorted.length > fit ? sorted.slice(0, fit - 1) : sorted;
  const head = cols.map((c) => `<th class="${isNumeric(rows[0]![c]) ? 'num' : ''}">${esc(c).replace(/_/g, '_<wbr>')}${sort?.displayName === c ? (sort.desc ? ' ↓' : ' ↑') : ''}</th>`).join('');
  const body = shown.map((r) => `<tr>${cols.map((c) => {
    const v = r[c];
    const text = esc(fmt(v, isNumeric(v) ? unitOf(p, c) : 'none'));
    return `<td class="${isNumeric(v) ? 'num' : ''}">${hasLink(p, c) ? `<span class="link">${text}</span>` : text}</td>`;
  }).join('')}</tr>`).join('');
  const more = sorted.length > shown.length ? `<div class="more">… ${sorted.length - shown.length} more rows (scrollable in Grafana)</div>` : '';
  return { body: `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}</div>` };
}

function renderBarGauge(p: Panel, rows: Row[], hPx: number): Rendered {
  if (rows.length === 0) return { body: NO_DATA };
  const cols = Object.keys(rows[0]!);
  const nameCol = cols.find((c) => !isNumeric(rows[0]![c])) ?? cols[0]!;
  const valCol = cols.find((c) => c !== nameCol && isNumeric(rows[0]![c]))!;
  const vals = rows.map((r) => Number(r[valCol]));
  const max = p.fieldConfig.defaults.max ?? Math.max(...vals, 0) * 1.05;
  const fit = Math.max(1, Math.floor(hPx / 26));
  const shown = rows.slice(0, fit);
  const barH = Math.max(16, Math.min(34, Math.floor(hPx / shown.length) - 8));
  const unit = unitOf(p, valCol);
  const bars = shown.map((r) => {
    const v = Number(r[valCol]);
    const c = thresholdColor(p, v);
    const pct = max > 0 ? Math.max(0.5, Math.min(100, (v / max) * 100)) : 0;
    return `<div class="bg-row" style="height:${barH}px"><div class="bg-name">${esc(r[nameCol])}</div><div class="bg-track"><div class="bg-fill" style="width:${pct}%;background:linear-gradient(90deg, ${c}33, ${c})"></div></div><div class="bg-val" style="color:${c}">${esc(fmt(v, unit))}</div></div>`;
  });
  const more = rows.length > shown.length ? `<div class="more">… ${rows.length - shown.length} more</div>` : '';
  return { body: `<div class="bargauge">${bars.join('')}${more}</div>` };
}

function renderTimeseries(p: Panel, rows: Row[], from: number, to: number): Rendered {
  if (rows.length === 0) return { body: NO_DATA };
  const cols = Object.keys(rows[0]!);
  const strCol = cols.includes(SERIES) ? SERIES : cols.slice(1).find((c) => !isNumeric(rows[0]![c]) && rows[0]![c] !== null);
  const valueCols = cols.slice(1).filter((c) => c !== strCol);
  const series = new Map<string, Array<{ x: number; y: number | null }>>();
  for (const r of rows) {
    const x = Date.parse(`${String(r['time']).replace(' ', 'T')}Z`);
    for (const c of valueCols) {
      const name = strCol ? (valueCols.length > 1 ? `${r[strCol]} ${c}` : String(r[strCol])) : c;
      if (!series.has(name)) series.set(name, []);
      series.get(name)!.push({ x, y: r[c] === null ? null : Number(r[c]) });
    }
  }
  const custom = p.fieldConfig.defaults.custom;
  const stacked = custom['stacking']?.mode === 'normal';
  const bars0 = custom['drawStyle'] === 'bars';
  if ((stacked || bars0) && series.size > 1) {
    // Stacking needs every series on the same x values (Grafana aligns frames on time too).
    const xs = [...new Set(rows.map((r) => Date.parse(`${String(r['time']).replace(' ', 'T')}Z`)))].sort((a, b) => a - b);
    for (const [name, pts] of series) {
      const byX = new Map(pts.map((pt) => [pt.x, pt.y]));
      series.set(name, xs.map((x) => ({ x, y: byX.get(x) ?? 0 })));
    }
  }
  const bars = custom['drawStyle'] === 'bars';
  const unit = p.fieldConfig.defaults.unit;
  const fill = Number(custom['fillOpacity'] ?? 10) / 100;
  const names = [...series.keys()];
  const datasets = names.map((name, i) => {
    const c = PALETTE[i % PALETTE.length]!;
    const alpha = Math.round(fill * 255).toString(16).padStart(2, '0');
    return { label: name, data: series.get(name)!, borderColor: c, backgroundColor: `${c}${alpha}`, fill: stacked ? (i === 0 ? 'origin' : '-1') : 'origin', borderWidth: 1.5, pointRadius: 0, spanGaps: true, tension: 0 };
  });
  const id = `chart${++chartSeq}`;
  const legendRows = names.map((name, i) => {
    const ys = series.get(name)!.map((pt) => pt.y).filter((y): y is number => y !== null);
    const sum = ys.reduce((a, b) => a + b, 0);
    return { name, color: PALETTE[i % PALETTE.length]!, sum, mean: ys.length ? sum / ys.length : 0, max: ys.length ? Math.max(...ys) : 0 };
  }).sort((a, b) => b.sum - a.sum);
  const legendMax = 4;
  const legend = `<table class="legend"><thead><tr><th>Name</th><th class="num">Sum</th><th class="num">Mean</th><th class="num">Max</th></tr></thead><tbody>${legendRows.slice(0, legendMax).map((l) =>
    `<tr><td><span class="swatch" style="background:${l.color}"></span>${esc(l.name)}</td><td class="num">${esc(fmt(l.sum, unit))}</td><td class="num">${esc(fmt(l.mean, unit))}</td><td class="num">${esc(fmt(l.max, unit))}</td></tr>`).join('')}${legendRows.length > legendMax ? `<tr><td colspan="4" class="more">… ${legendRows.length - legendMax} more series</td></tr>` : ''}</tbody></table>`;
  const xsAll = [...new Set(rows.map((r) => Date.parse(`${String(r['time']).replace(' ', 'T')}Z`)))].sort((a, b) => a - b);
  let step = Infinity;
  for (let i = 1; i < xsAll.length; i++) step = Math.min(step, xsAll[i]! - xsAll[i - 1]!);
  const chart = { id, unit, stacked, bars, datasets, from: from * 1000, to: to * 1000, step: Number.isFinite(step) ? step : 86_400_000 };
  return { body: `<div class="ts"><div class="ts-canvas"><canvas id="${id}"></canvas></div>${legend}</div>`, chart };
}

function renderPanel(d: Dashboard, p: Panel, data: PanelData, from: number, to: number): string {
  const x = (p.gridPos.x / 24) * 100;
  const w = (p.gridPos.w / 24) * 100;
  const top = p.gridPos.y * (CELL_H + GAP);
  const hPx = p.gridPos.h * CELL_H + (p.gridPos.h - 1) * GAP;
  const bodyH = hPx - 34;
  let r: Rendered;
  let badge = '';
  if (data.kind === 'placeholder') {
    badge = '<span class="badge prom">Prometheus</span>';
    r = { body: `<div class="placeholder"><div class="ph-title">live Prometheus panel — not rendered in preview</div><code>${esc(data.text)}</code></div>` };
  } else if (data.kind === 'error') {
    r = { body: `<div class="placeholder err">query failed: ${esc(data.text)}</div>` };
  } else {
    if (data.note) badge = `<span class="badge ch-eq">${esc(data.note)}</span>`;
    const rows = data.rows;
    const h = data.note ? bodyH - 6 : bodyH;
    const wPx = (p.gridPos.w / 24) * (WIDTH - 16) - GAP;
    r = p.type === 'stat' ? renderStat(p, rows, h, wPx)
      : p.type === 'table' ? renderTable(p, rows, h)
      : p.type === 'bargauge' ? renderBarGauge(p, rows, h)
      : p.type === 'timeseries' ? renderTimeseries(p, rows, from, to)
      : { body: `<div class="placeholder">panel type ${esc(p.type)} not rendered</div>` };
  }
  if (r.chart) charts.push(r.chart);
  return `<div class="panel" style="left:calc(${x}% + ${GAP / 2}px);width:calc(${w}% - ${GAP}px);top:${top}px;height:${hPx}px">
    <div class="panel-title">${esc(p.title)} ${badge}</div><div class="panel-body" style="height:${bodyH}px">${r.body}</div></div>`;
}

let charts: unknown[] = [];

const CSS = `
body{margin:0;background:#111217;color:#ccccdc;font-family:Inter,"Helvetica Neue",Arial,sans-serif;font-size:13px}
.banner{background:#3d2c00;color:#ffd27a;border-bottom:1px solid #6b4e00;padding:8px 16px;font-weight:600;font-size:14px}
.header{padding:10px 16px 4px 16px;display:flex;align-items:baseline;gap:18px}
.header h1{font-size:19px;margin:0;color:#e6e6ef;font-weight:500}
.header .meta{color:#8e8ea0;font-size:12.5px}
.vars{padding:2px 16px 6px 16px;color:#8e8ea0;font-size:12.5px}
.vars b{background:#22252b;border:1px solid #34373d;color:#e6e6ef;padding:2px 8px;border-radius:2px;font-weight:500;margin-left:4px}
.grid{position:relative;margin:4px 8px 12px 8px}
.panel{position:absolute;box-sizing:border-box;background:#181b1f;border:1px solid #24272e;border-radius:2px;overflow:hidden}
.panel-title{height:34px;line-height:34px;padding:0 10px;font-weight:500;color:#e6e6ef;font-size:13.5px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.panel-body{padding:0 8px 6px 8px;box-sizing:border-box;overflow:hidden}
.badge{font-size:10.5px;font-weight:500;padding:1px 6px;border-radius:8px;margin-left:6px;vertical-align:1px}
.badge.prom{background:#3b2a1a;color:#ff9830}
.badge.ch-eq{background:#1d2e44;color:#8ab8ff}
.stat{display:flex;gap:6px;height:100%}
.stat-cell{flex:1;display:flex;flex-direction:column;justify-content:center;align-items:center;border-radius:2px;min-width:0}
.stat-label{font-size:12px;opacity:.85;margin-bottom:2px}
.stat-value{font-weight:500;white-space:nowrap}
table{border-collapse:collapse;width:100%}
.table-wrap th{text-align:left;color:#6e9fff;font-weight:500;border-bottom:1px solid #2c3035;padding:4px 5px;font-size:12px;vertical-align:bottom}
.table-wrap th.num{text-align:right}
.table-wrap td{border-bottom:1px solid #202226;padding:3px 5px;white-space:nowrap;height:17px;font-size:12.5px}
.num{text-align:right}
.link{color:#6e9fff;text-decoration:underline}
.more{color:#8e8ea0;font-size:11.5px;padding:3px 6px}
.bargauge{display:flex;flex-direction:column;justify-content:space-around;height:100%}
.bg-row{display:flex;align-items:center;gap:8px}
.bg-name{width:120px;text-align:right;color:#ccccdc;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;font-size:12.5px}
.bg-track{flex:1;background:#22252b;height:100%;border-radius:2px;overflow:hidden}
.bg-fill{height:100%}
.bg-val{width:76px;font-weight:500;font-size:15px;white-space:nowrap}
.ts{display:flex;flex-direction:column;height:100%}
.ts-canvas{position:relative;flex:1;min-height:0}
.legend{font-size:11.5px;margin-top:2px}
.legend th{color:#8e8ea0;font-weight:400;text-align:left;padding:1px 6px}
.legend th.num{text-align:right}
.legend td{padding:1px 6px;white-space:nowrap}
.swatch{display:inline-block;width:14px;height:4px;border-radius:2px;margin-right:6px;vertical-align:middle}
.placeholder{height:100%;display:flex;flex-direction:column;justify-content:center;align-items:center;gap:8px;border:1px dashed #3a3d44;border-radius:2px;color:#8e8ea0;text-align:center;padding:8px;box-sizing:border-box}
.ph-title{color:#ff9830;font-size:14px;font-weight:500}
.placeholder code{color:#a8a8b8;font-size:11.5px;white-space:pre-wrap}
.placeholder.err{color:#f2495c}
.nodata{display:flex;flex-direction:column;height:100%;align-items:center;justify-content:center;color:#8e8ea0;text-align:center}
`;

const PAGE_SCRIPT = `
Chart.defaults.color = '#9fa0ad'; Chart.defaults.font.size = 11; Chart.defaults.borderColor = '#26292f';
function fmtUnit(v, unit){ const a=Math.abs(v);
  if(unit==='currencyUSD') return (v<0?'-':'')+'$'+(a>=1000?(a/1000).toFixed(1)+'K':a.toFixed(a<0.1&&a>0?3:2));
  if(unit==='percentunit') return (v*100).toFixed(a<0.1?1:0)+'%';
  if(unit==='cps') return fmtUnit(v,'short')+'/s';
  if(unit==='s') return a===0?'0':a<0.001?(v*1e6).toFixed(a<1e-5?1:0)+' µs':a<1?(v*1000).toFixed(0)+' ms':v.toFixed(1)+' s';
  return a>=1e6?(v/1e6).toFixed(1)+' Mil':a>=1e3?(v/1e3).toFixed(1)+' K':String(Math.round(v*100)/100); }
function fmtTime(ms, range){ const d=new Date(ms); const p=n=>String(n).padStart(2,'0');
  return range>3*86400000 ? p(d.getUTCMonth()+1)+'/'+p(d.getUTCDate()) : p(d.getUTCHours())+':'+p(d.getUTCMinutes()); }
function alignedTicks(from, to){ const M=60000, H=3600000, D=86400000; const range=to-from;
  const steps=[M,2*M,5*M,10*M,15*M,30*M,H,3*H,6*H,12*H,D,2*D,3*D,5*D,7*D]; const step=steps.find(s=>range/s<=8)||7*D;
  const out=[]; for(let t=Math.ceil(from/step)*step; t<=to; t+=step) out.push({value:t}); return out; }
for (const c of CHARTS) {
  const range = c.to - c.from;
  const canvas = document.getElementById(c.id);
  const plotW = canvas.parentElement.clientWidth - 60;
  if (c.bars) { const th = Math.max(2, (plotW * c.step / range) * 0.8 / (c.stacked ? 1 : c.datasets.length)); for (const d of c.datasets) { d.barThickness = th; d.backgroundColor = d.borderColor + 'cc'; } }
  new Chart(canvas, {
    type: c.bars ? 'bar' : 'line',
    data: { datasets: c.datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false, parsing: true,
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
      scales: {
        x: { type: 'linear', min: c.from, max: c.to, stacked: c.stacked, grid: { color: '#22252b' },
             afterBuildTicks: a => { a.ticks = alignedTicks(c.from, c.to); }, ticks: { maxRotation: 0, callback: v => fmtTime(v, range) } },
        y: { stacked: c.stacked, beginAtZero: true, grid: { color: '#22252b' }, ticks: { maxTicksLimit: 5, callback: v => fmtUnit(v, c.unit) } } } } });
}
`;

function page(d: Dashboard, panelsHtml: string, meta: string, vars: string, gridH: number, chartJs: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(d.title)}</title><style>${CSS}</style></head><body>
<div class="banner">${esc(BANNER)}</div>
<div class="header"><h1>${esc(d.title)}</h1><span class="meta">${esc(meta)}</span></div>
${vars ? `<div class="vars">${vars}</div>` : ''}
<div class="grid" style="height:${gridH}px">${panelsHtml}</div>
<script>${chartJs}</script>
<script>const CHARTS = ${JSON.stringify(charts).replace(/</g, '\\u003c')};${PAGE_SCRIPT}</script>
</body></html>`;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  const chartJs = readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  const dashDir = join(ROOT, 'grafana', 'dashboards');
  const only = args.only?.split(',').map((u) => `${u.trim()}.json`);
  const files = readdirSync(dashDir).filter((f) => f.endsWith('.json') && (only === undefined || only.includes(f))).sort();
  if (only !== undefined && files.length !== only.length) throw new Error(`--only: no dashboard file for ${only.filter((f) => !files.includes(f)).join(', ')} in ${dashDir}`);
  let opened: Promise<{ store: PnlStore; cleanup: () => void }> | undefined;
  const getStore = async (): Promise<PnlStore> => (await (opened ??= prepareStore())).store;
  const outDir = resolve(args.out!);
  mkdirSync(outDir, { recursive: true });
  const htmlDir = mkdtempSync(join(tmpdir(), 'pnl-preview-html-'));
  const spreadDays = Number(args['spread-days']);
  try {
    for (const file of files) {
      const d = JSON.parse(readFileSync(join(dashDir, file), 'utf8')) as Dashboard;
      const readsClickHouse = d.panels.some((p) => p.targets.some((t) => t.datasource.type === 'grafana-clickhouse-datasource'));
      if (!readsClickHouse && args.prometheus === undefined) {
        // A page of placeholders would replace the live picture (grafana/preview/live-ingest-preview.mjs).
        console.log(`${d.uid}: skipped, it reads only Prometheus: render it with --prometheus <url>`);
        continue;
      }
      charts = [];
      const to = Math.floor(Date.now() / 1000);
      const range = rangeSeconds(args.range ?? d.time.from);
      const from = to - range;
      const intervalSeconds = intervalFor(range);
      const variables: Record<string, string> = {};
      let vars = '';
      for (const v of d.templating.list) {
        const store = await getStore();
        const options = (await store.select<Row>(v.query.rawSql)).map((r) => String(Object.values(r)[0]));
        let chosen = args.customer;
        if (!chosen && v.name === 'customer') {
          const [top] = await store.select<{ c: string }>(`SELECT customer_id AS c FROM pnl.llm_costs_daily GROUP BY customer_id ORDER BY sum(cost_usd) DESC LIMIT 1`);
          chosen = top?.c;
        }
        variables[v.name] = chosen ?? options[0] ?? '';
        vars += `${esc(v.name)} <b>${esc(variables[v.name])}</b> <span style="margin-left:8px">(${options.length} options)</span>`;
      }
      const html: string[] = [];
      for (const p of d.panels) {
        const data = await loadPanel(getStore, d, p, { from, to, intervalSeconds, variables });
        if (data.kind === 'rows' && data.rows.length === 0) console.warn(`  ${d.uid} / ${p.title}: no rows`);
        if (data.kind === 'error') console.warn(`  ${d.uid} / ${p.title}: ${data.text}`);
        html.push(renderPanel(d, p, data, from, to));
      }
      const gridH = Math.max(...d.panels.map((p) => (p.gridPos.y + p.gridPos.h) * (CELL_H + GAP)));
      const source = readsClickHouse ? `interval ${intervalSeconds / 60} min · demo data${spreadDays > 0 ? `, runs spread over the last ${spreadDays} days` : ''}` : '';
      const live = args.prometheus !== undefined ? `Prometheus ${args.prometheus} (live)` : '';
      const meta = `uid ${d.uid} · range ${args.range ?? d.time.from} → now · ${[source, live].filter((x) => x !== '').join(' · ') || 'no data source given'}`;
      const htmlFile = join(htmlDir, `${d.uid}.html`);
      writeFileSync(htmlFile, page(d, html.join('\n'), meta, vars, gridH, chartJs));
      const name = `dashboard-${d.uid.replace(/^pnl-/, '')}.png`;
      const out = join(outDir, name);
      const height = gridH + 110;
      const profile = mkdtempSync(join(tmpdir(), 'pnl-preview-chromium-'));
      try {
        execFileSync(args.chromium!, [
          '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`,
          `--window-size=${WIDTH},${height}`, '--virtual-time-budget=3000', `--screenshot=${out}`, `file://${htmlFile}`,
        ], { stdio: 'pipe' });
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
      console.log(`${name}  ${WIDTH}x${height}  ${Math.round(statSync(out).size / 1024)} KB`);
    }
  } finally {
    if (opened !== undefined) {
      const { store, cleanup } = await opened;
      await store.close();
      cleanup();
    }
    if (args['keep-html']) console.log(`HTML kept in ${htmlDir}`);
    else rmSync(htmlDir, { recursive: true, force: true });
  }
}

await main();
