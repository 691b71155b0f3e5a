import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/temp-dir.js';
import { freePort, startProcess, waitFor, type ManagedProcess } from './support/processes.js';
import { REPO_ROOT, allRules, recordingRules, ruleFiles } from './support/rule-files.js';
import { requireTool, runTool } from './support/tools.js';

/*
 * Several exporter replicas (docs/scaling.md): each computes the P&L gauges from the same
 * ClickHouse, so all publish the same values, while each counts only the calls it received.
 *
 * Gauges: three metric endpoints stand in for three replicas, serving identical P&L gauges. Two
 * real Prometheus processes, with the shipped rule files, scrape them: one scrapes replica 1
 * alone, the other all three. Every dashboard query and every rule that reads a P&L gauge must
 * give the same answer from both: one replica or three, the revenue is the revenue.
 *
 * Counters must add up instead. rate() over an hour of series a few seconds old is dominated
 * by extrapolation, so that is shown with promtool's exact evaluation of the shipped recording
 * rule over three replicas' two-hour series.
 */

const CUSTOMERS = {
  cust_a: { revenue: 100, cost: 30, pnl: 70, margin: 0.7, risk: 20, tier: 'LOW', util: 0.93, limit: 1, forecast: 2.5 },
  cust_b: { revenue: 20, cost: 25, pnl: -5, margin: -0.25, risk: 80, tier: 'CRITICAL', util: 1.2, limit: 10, forecast: 40 },
};

/** The metrics every replica computes from ClickHouse (pnl-gauges.ts, invoice-gauges.ts): equal on all replicas. */
const CLICKHOUSE_GAUGES = [
  'pnl_customer_revenue_usd', 'pnl_customer_cost_usd', 'pnl_customer_pnl_usd', 'pnl_customer_margin_ratio', 'pnl_customer_risk_score',
  'pnl_customer_risk_tier', 'pnl_budget_utilization_ratio', 'pnl_budget_limit_usd', 'pnl_budget_warn_ratio', 'pnl_budget_alert_ratio', 'pnl_forecast_cost_usd', 'pnl_portfolio_revenue_usd',
  'pnl_portfolio_cost_usd', 'pnl_anomaly', 'pnl_margin_target_ratio', 'pnl_invoice_variance_ratio', 'pnl_invoice_variance_usd', 'pnl_invoice_tolerance_ratio',
];

/** What each replica serves on /metrics: the same gauges, whichever spans it received. */
function exposition(): string {
  const lines: string[] = [];
  for (const [c, v] of Object.entries(CUSTOMERS)) {
    const l = `customer="${c}"`;
    lines.push(
      `pnl_customer_revenue_usd{${l}} ${v.revenue}`, `pnl_customer_cost_usd{${l}} ${v.cost}`, `pnl_customer_pnl_usd{${l}} ${v.pnl}`,
      `pnl_customer_margin_ratio{${l}} ${v.margin}`, `pnl_customer_risk_score{${l}} ${v.risk}`,
      ...['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'].map((t) => `pnl_customer_risk_tier{${l},tier="${t}"} ${t === v.tier ? 1 : 0}`),
      `pnl_budget_utilization_ratio{${l}} ${v.util}`, `pnl_budget_limit_usd{${l}} ${v.limit}`, `pnl_forecast_cost_usd{${l}} ${v.forecast}`,
      `pnl_budget_warn_ratio{${l}} 0.7`, `pnl_budget_alert_ratio{${l}} 0.9`,
    );
  }
  // The portfolio budget (every customer together), published as the pseudo-customer __all__.
  const all = 'customer="__all__"';
  lines.push(`pnl_budget_utilization_ratio{${all}} 1.05`, `pnl_budget_limit_usd{${all}} 50`, `pnl_budget_warn_ratio{${all}} 0.7`, `pnl_budget_alert_ratio{${all}} 0.9`);
  lines.push(
    'pnl_portfolio_revenue_usd 120', 'pnl_portfolio_cost_usd 55', 'pnl_margin_target_ratio 0.5',
    'pnl_anomaly{customer="cust_a",feature="chat",model="",kind="unit_cost"} 1',
    'pnl_invoice_variance_ratio{provider="openai",model="gpt-4o-mini"} 0.05', 'pnl_invoice_variance_usd{provider="openai",model="gpt-4o-mini"} 1.5',
    'pnl_invoice_tolerance_ratio 0.02',
  );
  return `${lines.join('\n')}\n`;
}

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

/** A result as a comparable map: labels without job and instance -> value. */
function normalized(result: Series[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of result) {
    const labels = Object.entries(s.metric)
      .filter(([k]) => k !== 'job' && k !== 'instance')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    expect(out[labels], `two series with labels {${labels}}: the replicas were not aggregated away`).toBeUndefined();
    out[labels] = s.value[1];
  }
  return out;
}

/** Every PromQL expression of the shipped dashboards and rules that reads a P&L gauge. */
function gaugeExpressions(): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  const dir = join(REPO_ROOT, 'grafana/dashboards');
  for (const f of readdirSync(dir)) {
    const d = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { panels?: Array<{ title?: string; targets?: Array<{ expr?: string }> }> };
    for (const p of d.panels ?? []) for (const t of p.targets ?? []) if (t.expr) out.push({ where: `${f}: ${p.title}`, expr: t.expr.replaceAll('$customer', 'cust_a') });
  }
  for (const r of allRules()) out.push({ where: r.alert ?? r.record ?? '', expr: r.expr });
  return out.filter((e) => CLICKHOUSE_GAUGES.some((g) => new RegExp(`\\b${g}\\b`).test(e.expr)));
}

describe('P&L gauges from three exporter replicas, in a real Prometheus', () => {
  const dir = tempDir('agentic-pnl-replicas-');
  const servers: Server[] = [];
  const proms: ManagedProcess[] = [];
  const urls = { one: '', three: '' };
  let setupError: unknown;
  const logs = (): string => proms.map((p) => `--- ${p.name} (tail) ---\n${p.log().slice(-3000)}`).join('\n');

  async function query(url: string, expr: string, time: number): Promise<Series[]> {
    const r = (await (await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr, time: String(time) })}`)).json()) as {
      status: string;
      error?: string;
      data: { result: Series[] };
    };
    if (r.status !== 'success') throw new Error(`${expr}: ${r.error}`);
    return r.data.result;
  }

  beforeAll(async () => {
    try {
      const prometheus = requireTool('prometheus');
      const ports: number[] = [];
      for (let replica = 1; replica <= 3; replica++) {
        const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition()));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        servers.push(server);
        ports.push((server.address() as AddressInfo).port);
      }
      const rulesDir = join(dir.path, 'rules');
      mkdirSync(rulesDir);
      for (const f of ruleFiles()) writeFileSync(join(rulesDir, basename(f.path)), stringify({ groups: f.groups }));
      for (const [name, targets] of [['one', ports.slice(0, 1)], ['three', ports]] as const) {
        const home = join(dir.path, name);
        mkdirSync(join(home, 'data'), { recursive: true });
        writeFileSync(
          join(home, 'prometheus.yml'),
          stringify({
            global: { scrape_interval: '1s', evaluation_interval: '1s' },
            rule_files: [join(rulesDir, '*.yml')],
            scrape_configs: [{ job_name: 'agentic-pnl', static_configs: [{ targets: targets.map((p) => `127.0.0.1:${p}`) }] }],
          }),
        );
        const port = await freePort();
        proms.push(
          startProcess(`prometheus-${name}`, prometheus, [
            `--config.file=${join(home, 'prometheus.yml')}`, `--storage.tsdb.path=${join(home, 'data')}`,
            `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
          ]),
        );
        urls[name] = `http://127.0.0.1:${port}`;
      }
      for (const [name, url, n] of [['one', urls.one, 1], ['three', urls.three, 3]] as const) {
        await waitFor(`prometheus-${name} scraping ${n} replica(s)`, async () => {
          const up = await query(url, 'sum(up{job="agentic-pnl"})', Date.now() / 1000);
          return Number(up[0]?.value[1]) === n ? true : undefined;
        }, 30_000, 250, logs);
      }
    } catch (err) {
      setupError = err;
    }
  });

  afterAll(async () => {
    await Promise.all(proms.map((p) => p.stop()));
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    dir.remove();
  });

  it('reads every P&L gauge of the dashboards and rules the same from one replica or three', async () => {
    if (setupError !== undefined) throw setupError;
    const exprs = gaugeExpressions();
    expect(exprs.map((e) => e.where)).toEqual(
      expect.arrayContaining(['pnl-budgets.json: Budget utilization by customer', 'pnl-exec.json: Customers by risk tier', 'CustomerBudget90PercentUsed', 'CustomerUnprofitable']),
    );
    const at = Date.now() / 1000;
    for (const { where, expr } of exprs) {
      const one = normalized(await query(urls.one, expr, at));
      const three = normalized(await query(urls.three, expr, at));
      expect(Object.keys(three).length, `${where}: ${expr} returns data`).toBeGreaterThan(0);
      expect(three, `${where}: ${expr}`).toEqual(one);
    }
    // The figures themselves: one risk tier per customer, not one per replica.
    expect(normalized(await query(urls.three, 'count by (tier) (max by (customer, tier) (pnl_customer_risk_tier) == 1)', at))).toEqual({ 'tier=CRITICAL': '1', 'tier=LOW': '1' });
  });

  it('would triple the revenue with sum(), which is why the gauges are read with max()', async () => {
    if (setupError !== undefined) throw setupError;
    const at = Date.now() / 1000;
    const expr = 'sum by (customer) (pnl_customer_revenue_usd)';
    expect(normalized(await query(urls.one, expr, at))).toEqual({ 'customer=cust_a': '100', 'customer=cust_b': '20' });
    expect(normalized(await query(urls.three, expr, at))).toEqual({ 'customer=cust_a': '300', 'customer=cust_b': '60' });
  });
});

describe('counters from three exporter replicas (promtool)', () => {
  it("adds up the replicas' shares in the recorded spend rate: $1 + $2 + $3 per second", () => {
    const promtool = requireTool('promtool');
    const rule = recordingRules().find((r) => r.record === 'customer:pnl_llm_cost_usd:rate1h');
    expect(rule?.expr).toBeDefined();
    const dir = tempDir('agentic-pnl-replica-counters-');
    try {
      const labels = 'job="agentic-pnl",customer="cust_a",feature="chat",provider="openai",model="gpt-4o-mini"';
      const file = join(dir.path, 'replicas.test.yml');
      writeFileSync(
        file,
        stringify({
          rule_files: ruleFiles().map((f) => f.path),
          evaluation_interval: '1m',
          tests: [
            {
              interval: '1m',
              // Each replica's counter grows by its share each minute: $60, $120, $180.
              input_series: [1, 2, 3].map((i) => ({ series: `pnl_llm_cost_usd_total{${labels},instance="agentic-pnl-${i}:4318"}`, values: `0+${60 * i}x180` })),
              promql_expr_test: [
                { expr: 'customer:pnl_llm_cost_usd:rate1h', eval_time: '2h', exp_samples: [{ labels: 'customer:pnl_llm_cost_usd:rate1h{customer="cust_a"}', value: 6 }] },
              ],
            },
          ],
        }),
      );
      const r = runTool(promtool, ['test', 'rules', file]);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain('SUCCESS');
    } finally {
      dir.remove();
    }
  });
});
