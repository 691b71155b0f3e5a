import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthToDate } from '../../exporter/src/api/date-range.js';
import { buildDashboards, DASHBOARDS_DIR, renderDashboard } from '../../grafana/dashboards-src/generate.js';
import type { ClickHouseTarget, Dashboard, Panel, PrometheusTarget } from '../../grafana/dashboards-src/model.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { expandQuery } from './grafana-macros.js';

const dashboards = [...buildDashboards()];
const JSON_CT = { 'content-type': 'application/json' };
const UNITS = new Set(['currencyUSD', 'percentunit', 'short', 's', 'cps']);
const DATASOURCE_UIDS = new Set(['pnl-prometheus', 'pnl-clickhouse']);
const EXPECTED_UIDS = ['pnl-exec', 'pnl-customer', 'pnl-models', 'pnl-features', 'pnl-budgets', 'pnl-ingest'];
const LINK = '/d/pnl-customer/customer-pnl?var-customer=${__data.fields.customer_id}&${__url_time_range}';

const isClickHouse = (t: ClickHouseTarget | PrometheusTarget): t is ClickHouseTarget => t.datasource.type === 'grafana-clickhouse-datasource';

interface Query {
  where: string;
  dashboard: Dashboard;
  panel?: Panel;
  target: { rawSql: string; format: 0 | 1 };
}

/** Every ClickHouse query of every panel (and of the variables), with where it comes from. */
function clickHouseQueries(): Query[] {
  const out: Query[] = [];
  for (const [, d] of dashboards) {
    for (const v of d.templating.list) out.push({ where: `${d.uid} variable ${v.name}`, dashboard: d, target: { rawSql: v.query.rawSql, format: 1 } });
    for (const p of d.panels) for (const t of p.targets) if (isClickHouse(t)) out.push({ where: `${d.uid} / ${p.title} / ${t.refId}`, dashboard: d, panel: p, target: t });
  }
  return out;
}

/** Column names a panel's configuration refers to: overrides, sort column, data-link field. */
function columnsNamed(panel: Panel): string[] {
  const names = panel.fieldConfig.overrides.map((o) => o.matcher.options);
  const sortBy = (panel.options['sortBy'] as Array<{ displayName: string }> | undefined) ?? [];
  return [...new Set([...names, ...sortBy.map((s) => s.displayName)])];
}

describe('generated dashboards', () => {
  it('match the committed JSON byte for byte (regenerate with node --import tsx grafana/dashboards-src/generate.ts)', () => {
    expect(dashboards.map(([file]) => file).sort()).toEqual(EXPECTED_UIDS.map((u) => `${u}.json`).sort());
    for (const [file, d] of dashboards) expect(readFileSync(join(DASHBOARDS_DIR, file), 'utf8'), file).toBe(renderDashboard(d));
  });

  it.each(dashboards)('%s is a well-formed classic dashboard with fixed datasource uids', (file, d: Dashboard) => {
    // No JSON Schema check: @grafana/grafana-foundation-sdk is not installed (its schemas live in
    // its repository, not its npm package) and no JSON-schema validator (ajv) is in node_modules.
    expect(d.uid).toBe(file.replace(/\.json$/, ''));
    expect(d.title).toMatch(/^Agentic P&L: /);
    expect(d.schemaVersion).toBe(39);
    expect(d.panels.length).toBeGreaterThan(0);
    const text = renderDashboard(d);
    expect(text).not.toContain('__inputs');
    expect(text).not.toContain('${DS_');
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of d.panels) {
      const where = `${d.uid} / ${p.title}`;
      expect(p.description.length, where).toBeGreaterThan(20);
      expect(UNITS.has(p.fieldConfig.defaults.unit), where).toBe(true);
      for (const o of p.fieldConfig.overrides) for (const prop of o.properties) if (prop.id === 'unit') expect(UNITS.has(prop.value as string), where).toBe(true);
      expect(p.gridPos.x + p.gridPos.w, where).toBeLessThanOrEqual(24);
      expect(p.gridPos.h, where).toBeGreaterThan(0);
      expect(DATASOURCE_UIDS.has(p.datasource.uid), where).toBe(true);
      expect(p.targets.length, where).toBeGreaterThan(0);
      expect(new Set(p.targets.map((t) => t.refId)).size, where).toBe(p.targets.length);
      for (const t of p.targets) {
        expect(t.datasource, where).toEqual(p.datasource);
        if (isClickHouse(t)) {
          expect(t.editorType).toBe('sql');
          expect(t.queryType).toBe(t.format === 0 ? 'timeseries' : 'table');
          if (t.format === 0) expect(t.rawSql, where).toMatch(/ORDER BY time(,|\s*$)/);
        }
      }
      for (const o of p.fieldConfig.overrides) {
        for (const prop of o.properties) if (prop.id === 'links') expect(prop.value, where).toEqual([{ title: 'Customer P&L', url: LINK }]);
      }
    }
  });

  it('provision both datasources and the dashboards directory', () => {
    const ds = readFileSync(join(DASHBOARDS_DIR, '..', 'provisioning', 'datasources', 'datasources.yaml'), 'utf8');
    for (const uid of DATASOURCE_UIDS) expect(ds).toContain(`uid: ${uid}`);
    expect(ds).toContain('defaultDatabase: pnl');
    expect(ds).toContain('password: $CLICKHOUSE_READER_PASSWORD');
    const providers = readFileSync(join(DASHBOARDS_DIR, '..', 'provisioning', 'dashboards', 'dashboards.yaml'), 'utf8');
    expect(providers).toContain('path: /var/lib/grafana/dashboards');
    expect(providers).toContain('foldersFromFilesStructure: true');
  });
});

describe('Prometheus expressions', () => {
  // Only names and syntax are checked here; evaluation against a real Prometheus with recorded
  // series belongs to the grafana/prometheus rule tests (promtool test rules), not to this file.
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Metrics'), readme.indexOf('The `customer` label is bounded'));
  // ALERTS is Prometheus's own; `up` its scrape health of the agentic-pnl job.
  const known = new Set([...section.matchAll(/`(pnl_[a-z0-9_]+)`/g)].map((m) => m[1]!).concat('ALERTS', 'up'));
  const exprs = dashboards.flatMap(([, d]) => d.panels.flatMap((p) => p.targets.filter((t): t is PrometheusTarget => !isClickHouse(t)).map((t) => ({ where: `${d.uid} / ${p.title}`, expr: t.expr }))));

  it("use only metrics from the README metrics table, ALERTS or the job's up", () => {
    expect(known.size).toBeGreaterThan(20);
    expect(exprs.length).toBeGreaterThan(5);
    for (const { where, expr } of exprs) {
      // A histogram's series are its name plus _bucket, _sum or _count.
      const names = [...expr.matchAll(/\b(pnl_[a-z0-9_]+|ALERTS|up(?=\{job="agentic-pnl"\}))\b/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
      expect(names.length, where).toBeGreaterThan(0);
      for (const n of names) expect(known.has(n), `${where}: ${n}`).toBe(true);
    }
    console.info(`Prometheus expressions:\n${exprs.map((e) => `  ${e.where}: ${e.expr}`).join('\n')}`);
  });

  const promtool = spawnSync('promtool', ['--version']).status === 0;
  it.runIf(promtool)('parse with promtool (as recording rules, variables substituted)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pnl-grafana-'));
    try {
      const rules = exprs.map((e, i) => `      - record: dashboard:expr_${i}:check\n        expr: ${JSON.stringify(e.expr.replaceAll('$customer', 'cust_a'))}`).join('\n');
      const file = join(dir, 'exprs.yml');
      writeFileSync(file, `groups:\n  - name: dashboard-expressions\n    rules:\n${rules}\n`);
      const out = execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect(out).toContain(`${exprs.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ClickHouse panel queries on the real engine', () => {
  let svc: TestService;
  const now = Math.floor(Date.now() / 1000);
  const bounds = { from: now - 7 * 86_400, to: now + 3_600 };
  let monthStart = '';
  let nextMonth = '';

  async function send(entries: Array<{ name: string; attributes: Record<string, string | number>; error?: boolean }>): Promise<void> {
    const { json } = await otlpBodies(entries);
    expect((await postTraces(svc.url, json, JSON_CT)).status).toBe(200);
  }
  const chat = (customer: string, feature: string, model = 'gpt-4o-mini', extra: Record<string, string | number> = {}) => ({
    name: `chat ${model}`,
    attributes: chatAttributes(model, { input_tokens: 1_000_000, output_tokens: 1000, 'cache_read.input_tokens': 1000 }, { 'pnl.customer.id': customer, 'pnl.feature.id': feature, ...extra }) as Record<string, string | number>,
  });

  beforeAll(async () => {
    svc = await startTestService();
    await send([
      chat('cust_a', 'chat'),
      chat('cust_a', 'chat', 'gpt-4o-mini', { 'pnl.attempt': 1, 'pnl.attempt.reason': 'retry' }),
      chat('cust_a', 'search', 'gpt-4o'),
      chat('cust_b', 'chat', 'gpt-4o'),
      chat('cust_b', 'chat', 'no-such-model-xyz'),
      { ...chat('cust_b', 'search'), error: true, attributes: { ...chat('cust_b', 'search').attributes, 'error.type': 'rate_limit' } },
      { name: 'invoke_agent support', attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support', 'pnl.customer.id': 'cust_a', 'pnl.feature.id': 'chat', 'pnl.run.id': 'run-1', 'pnl.run.outcome': 'success' } },
      { name: 'invoke_agent support', attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support', 'pnl.customer.id': 'cust_a', 'pnl.feature.id': 'chat', 'pnl.run.id': 'run-2', 'pnl.run.outcome': 'failure' } },
      { name: 'outcome ticket.resolved', attributes: { 'pnl.outcome.name': 'ticket.resolved', 'pnl.outcome.value': 1, 'pnl.customer.id': 'cust_a', 'pnl.feature.id': 'chat', 'pnl.run.id': 'run-1' } },
    ]);
    await svc.service.core.writer.flush();
    ({ from: monthStart } = monthToDate());
    const next = new Date(`${monthStart}T00:00:00Z`);
    next.setUTCMonth(next.getUTCMonth() + 1);
    nextMonth = next.toISOString().slice(0, 10);
    const put = (path: string, body: unknown) => fetch(`${svc.url}${path}`, { method: 'PUT', headers: JSON_CT, body: JSON.stringify(body) });
    // cust_a earns far more than it costs; cust_b earns a cent and loses money.
    expect((await put('/api/v1/revenue', [
      { customer: 'cust_a', period_start: monthStart, period_end: nextMonth, amount: 100 },
      { customer: 'cust_b', period_start: monthStart, period_end: nextMonth, amount: '0.01' },
    ])).status).toBe(200);
    expect((await put('/api/v1/budgets/cust_a', { limit_usd: 1 })).status).toBe(200);
  });
  afterAll(() => svc?.stop());

  it('has the test data in every table the panels read', async () => {
    const counts = await svc.service.core.store.select<Record<string, string>>(`SELECT
      (SELECT count() FROM pnl.llm_calls) AS calls, (SELECT count() FROM pnl.llm_calls WHERE NOT priced) AS unpriced,
      (SELECT count() FROM pnl.llm_calls WHERE status = 'error') AS errors, (SELECT count() FROM pnl.agent_runs) AS runs,
      (SELECT count() FROM pnl.outcomes) AS outcomes, (SELECT count() FROM pnl.revenue) AS revenue, (SELECT count() FROM pnl.budgets) AS budgets`);
    expect(counts[0]).toEqual({ calls: 6, unpriced: 1, errors: 1, runs: 2, outcomes: 1, revenue: 2, budgets: 1 });
  });

  const queries = clickHouseQueries();
  const cases = queries.flatMap((q) => [60, 3600, 86_400].map((interval) => ({ ...q, interval, name: `${q.where} @ ${interval}s` })));

  /**
   * A dashboard's variables as Grafana sets them on opening it: a single-value variable one
   * customer (cust_a here); a filter variable "All", which is every option its query returns given
   * the variables before it.
   */
  async function openingVariables(d: Dashboard): Promise<Record<string, string | string[]>> {
    const values: Record<string, string | string[]> = {};
    for (const v of d.templating.list) {
      if (!v.includeAll) {
        values[v.name] = 'cust_a';
        continue;
      }
      const rows = await svc.service.core.store.select<Record<string, string>>(expandQuery(v.query.rawSql, { ...bounds, intervalSeconds: 60, variables: values }));
      values[v.name] = rows.map((r) => Object.values(r)[0]!);
    }
    return values;
  }

  it.each(cases)('$name runs and returns the columns the panel expects', async ({ dashboard, panel, target, interval }) => {
    const sql = expandQuery(target.rawSql, { ...bounds, intervalSeconds: interval, variables: await openingVariables(dashboard) });
    expect(sql).not.toContain('$');
    const rows = await svc.service.core.store.select<Record<string, unknown>>(sql);
    expect(rows.length).toBeGreaterThan(0);
    const columns = Object.keys(rows[0]!);
    for (const name of panel === undefined ? [] : columnsNamed(panel)) expect(columns).toContain(name);
    if (target.format === 0) {
      expect(columns[0]).toBe('time');
      const times = rows.map((r) => Date.parse(`${String(r['time']).replace(' ', 'T')}Z`));
      for (const t of times) expect(Number.isFinite(t)).toBe(true);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(columns.length).toBeGreaterThan(1);
    }
  });

  it('lets the drill-down work: both customers appear in the variable and the loss table shows only cust_b', async () => {
    const variable = queries.find((q) => q.where.endsWith('variable customer'))!;
    const customers = await svc.service.core.store.select<{ customer_id: string }>(variable.target.rawSql);
    expect(customers.map((c) => c.customer_id)).toEqual(['cust_a', 'cust_b']);
    const loss = queries.find((q) => q.where.startsWith('pnl-exec / Top customers by loss'))!;
    const rows = await svc.service.core.store.select<{ customer_id: string; pnl_usd: number }>(expandQuery(loss.target.rawSql, { ...bounds, intervalSeconds: 60, variables: {} }));
    expect(rows.map((r) => r.customer_id)).toEqual(['cust_b']);
    expect(rows[0]!.pnl_usd).toBeLessThan(0);
  });

  it('offers the customers, features, providers and models there are, and narrows every panel to the chosen ones', async () => {
    const features = dashboards.find(([f]) => f === 'pnl-features.json')![1];
    const models = dashboards.find(([f]) => f === 'pnl-models.json')![1];
    expect(await openingVariables(features)).toEqual({ customer: ['cust_a', 'cust_b'], feature: ['chat', 'search'] });
    expect(await openingVariables(models)).toEqual({ provider: ['openai'], model: ['gpt-4o', 'gpt-4o-mini', 'no-such-model-xyz'] });
    const run = (q: Query, variables: Record<string, string | string[]>) =>
      svc.service.core.store.select<Record<string, unknown>>(expandQuery(q.target.rawSql, { ...bounds, intervalSeconds: 86_400, variables }));
    const table = queries.find((q) => q.where === 'pnl-features / Feature economics / A')!;
    expect((await run(table, { customer: ['cust_a', 'cust_b'], feature: ['chat', 'search'] })).map((r) => [r['feature'], r['n_calls']])).toEqual([['chat', 4], ['search', 2]]);
    expect((await run(table, { customer: ['cust_b'], feature: ['search'] })).map((r) => [r['feature'], r['n_calls'], r['n_customers']])).toEqual([['search', 1, 1]]);
    // The feature options follow the customers chosen.
    const featureOptions = queries.find((q) => q.where === 'pnl-features variable feature')!;
    expect((await run(featureOptions, { customer: ['cust_a'] })).map((r) => r['feature_id'])).toEqual(['chat', 'search']);
    for (const q of queries.filter((x) => x.dashboard === features && x.panel !== undefined)) {
      const rows = await run(q, { customer: ['cust_b'], feature: ['chat'] });
      for (const r of rows) if ('feature' in r) expect(r['feature'], q.where).toBe('chat');
      expect(await run(q, { customer: ['no_such_customer'], feature: ['chat'] }), q.where).toEqual([]);
    }
    for (const q of queries.filter((x) => x.dashboard === models && x.panel !== undefined)) {
      const rows = await run(q, { provider: ['openai'], model: ['gpt-4o'] });
      for (const r of rows) if ('model_name' in r) expect(r['model_name'], q.where).toBe('gpt-4o');
      for (const r of rows) if ('model_key' in r) expect(r['model_key'], q.where).toBe('openai/gpt-4o');
      expect(await run(q, { provider: ['openai'], model: ['no-such-model'] }), q.where).toEqual([]);
    }
    const errors = queries.find((q) => q.where === 'pnl-models / Errors by type / A')!;
    expect((await run(errors, { provider: ['openai'], model: ['gpt-4o-mini'] })).map((r) => r['error_kind'])).toEqual(['rate_limit']);
    expect(await run(errors, { provider: ['openai'], model: ['gpt-4o'] })).toEqual([]);
  });

  it('spreads revenue over its days: the Revenue stat is the in-range share of both periods', async () => {
    const day = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
    let inRange = 0;
    let inPeriod = 0;
    for (let d = new Date(`${monthStart}T00:00:00Z`); d.toISOString().slice(0, 10) < nextMonth; d.setUTCDate(d.getUTCDate() + 1)) {
      const iso = d.toISOString().slice(0, 10);
      inPeriod++;
      if (iso >= day(bounds.from) && iso <= day(bounds.to)) inRange++;
    }
    const revenue = queries.find((q) => q.where === 'pnl-exec / Revenue / A')!;
    const [row] = await svc.service.core.store.select<{ revenue_usd: number }>(expandQuery(revenue.target.rawSql, { ...bounds, intervalSeconds: 60, variables: {} }));
    expect(row!.revenue_usd).toBeCloseTo((100.01 * inRange) / inPeriod, 9);
  });
});
