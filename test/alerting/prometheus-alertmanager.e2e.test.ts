import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { tempDir } from '../helpers/temp-dir.js';
import { freePort, startProcess, waitFor, type ManagedProcess } from './support/processes.js';
import { ALERTMANAGER_CONFIG, ALERTMANAGER_DIR, ruleFiles } from './support/rule-files.js';
import { requireTool } from './support/tools.js';

/*
 * The whole alert path with real processes: the agentic-pnl service, which receives OTLP spans
 * that take cust_acme to 93% of its $1.00 budget and publishes pnl_budget_utilization_ratio,
 * -> a real Prometheus
 * (scraping every 1 s, evaluating the shipped rule files every 1 s) -> a real Alertmanager
 * (the shipped alertmanager.yml and Slack template) -> a local HTTP server standing in for
 * Slack's webhook. Everything listens on ephemeral 127.0.0.1 ports, with storage in a temp dir.
 *
 * Two deliberate changes to the shipped files, in temp copies only:
 *  - every rule's `for` becomes 2s, so a 5-minute hold does not make a 5-minute test (the
 *    real durations are tested by promtool in rules.test.yml);
 *  - Alertmanager waits 1 s instead of 30 s before the first message of a group, and the
 *    Slack webhook file points at the local receiver.
 */

/*
 * 6,200,000 input tokens of gpt-4o-mini at $0.15 per million cost exactly $0.93: 93% of a
 * $1.00 budget, past the 90% threshold and short of 100%.
 */
const INPUT_TOKENS = 6_200_000;
const BUDGET_USD = 1;

const WAIT_FOR_SLACK_MS = 60_000;

interface SlackPayload {
  channel?: string;
  attachments?: { title?: string; title_link?: string; text?: string; color?: string }[];
}

interface AmAlert {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[]; silencedBy: string[] };
  fingerprint: string;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
}

/** Sets group_wait/group_interval on every route so the test does not wait for production timings. */
function shortenTimings(route: Record<string, unknown>): void {
  route.group_wait = '1s';
  route.group_interval = '2s';
  for (const child of (route.routes as Record<string, unknown>[] | undefined) ?? []) shortenTimings(child);
}

async function isReady(url: string): Promise<true | undefined> {
  const r = await fetch(url);
  return r.ok ? true : undefined;
}

describe('Prometheus and Alertmanager, end to end, deliver a budget alert to Slack', () => {
  const dir = tempDir('agentic-pnl-alerting-e2e-');
  const slackMessages: SlackPayload[] = [];
  let svc: TestService | undefined;
  let slack: Server | undefined;
  let alertmanager: ManagedProcess | undefined;
  let prometheus: ManagedProcess | undefined;
  let amUrl = '';
  let promUrl = '';
  const logs = (): string =>
    [alertmanager, prometheus].map((p) => (p ? `--- ${p.name} log (tail) ---\n${p.log().slice(-4000)}` : '')).join('\n') +
    `\n--- Slack messages so far ---\n${JSON.stringify(slackMessages, null, 1)}`;

  // A setup failure (a tool missing, a process that does not start) is rethrown by the test,
  // so it is reported as a failed test with its reason, not as a skipped one.
  let setupError: unknown;
  beforeAll(async () => {
    try {
      await setUp();
    } catch (err) {
      setupError = err;
    }
  });

  async function setUp(): Promise<void> {
    const prometheusBin = requireTool('prometheus');
    const alertmanagerBin = requireTool('alertmanager', 'prometheus-alertmanager');

    // The real service: spans in over OTLP, budget over the API, gauges recomputed every second.
    svc = await startTestService({ pnlRefreshMs: 1000 });
    const put = await fetch(`${svc.url}/api/v1/budgets/cust_acme`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ limit_usd: BUDGET_USD }),
    });
    expect(put.status).toBe(200);
    // The portfolio budget (every customer together): $0.93 of $0.90 spent, so it is exhausted.
    const portfolio = await fetch(`${svc.url}/api/v1/budgets/__all__`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ limit_usd: 0.9 }),
    });
    expect(portfolio.status).toBe(200);
    const { proto } = await otlpBodies([
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: INPUT_TOKENS, output_tokens: 0 }, { 'pnl.customer.id': 'cust_acme' }) },
    ]);
    expect((await postTraces(svc.url, proto, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
    // What the ingestion health dashboard shows besides stored calls: the same request again (a
    // sender's retry, dropped as duplicates) and a span refused for a negative token count.
    expect((await postTraces(svc.url, proto, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
    const { proto: invalid } = await otlpBodies([
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: -1, output_tokens: 0 }, { 'pnl.customer.id': 'cust_acme' }) },
    ]);
    const partial = await postTraces(svc.url, invalid, { 'content-type': 'application/x-protobuf' });
    expect([partial.status, partial.text]).toEqual([200, expect.stringContaining('is not a non-negative integer')]);
    await svc.service.core.writer.flush();
    // The provider's invoice for that call, at exactly the rated cost (no variance, so no
    // invoice alert): the invoice variance panels then have data to show.
    const [rated] = await svc.service.core.store.select<{ day: string; model: string; usd: string }>(
      'SELECT toString(toDate(start_time)) AS day, request_model AS model, toString(sum(cost_usd)) AS usd FROM pnl.llm_calls GROUP BY day, model',
    );
    const invoice = await fetch(`${svc.url}/api/v1/invoices?format=generic&source=openai&file=openai.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: `date,provider,model,cost_usd\n${rated!.day},openai,${rated!.model},${rated!.usd}\n`,
    });
    expect(invoice.status).toBe(200);
    await waitFor(
      'the service to publish 93% budget utilization, 103% for the portfolio',
      async () => {
        const text = await (await fetch(`${svc!.url}/metrics`)).text();
        return (/^pnl_budget_utilization_ratio\{customer="cust_acme"\} 0\.93\d*$/m.test(text) && /^pnl_budget_utilization_ratio\{customer="__all__"\} 1\.03\d*$/m.test(text)) || undefined;
      },
      20_000,
      200,
      logs,
    );
    const exporterPort = Number(new URL(svc.url).port);

    slack = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST') slackMessages.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SlackPayload);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    const slackPort = await listen(slack);

    // Alertmanager: the shipped config and template, webhook file and timings swapped.
    const amDir = join(dir.path, 'alertmanager');
    mkdirSync(join(amDir, 'data'), { recursive: true });
    cpSync(join(ALERTMANAGER_DIR, 'templates'), join(amDir, 'templates'), { recursive: true });
    const webhookFile = join(amDir, 'slack_webhook_url');
    writeFileSync(webhookFile, `http://127.0.0.1:${slackPort}/services/T000/B000/XXXX\n`);
    const amConfig = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as {
      route: Record<string, unknown>;
      receivers: { slack_configs?: { api_url_file?: string }[] }[];
    };
    let slackConfigs = 0;
    for (const receiver of amConfig.receivers) {
      for (const s of receiver.slack_configs ?? []) {
        expect(s.api_url_file).toBe('/etc/alertmanager/slack_webhook_url');
        s.api_url_file = webhookFile;
        slackConfigs += 1;
      }
    }
    expect(slackConfigs).toBeGreaterThan(0);
    shortenTimings(amConfig.route);
    writeFileSync(join(amDir, 'alertmanager.yml'), stringify(amConfig));

    // Prometheus: the shipped rule files with `for` shortened, and a generated config.
    const promDir = join(dir.path, 'prometheus');
    mkdirSync(join(promDir, 'rules'), { recursive: true });
    mkdirSync(join(promDir, 'data'));
    for (const f of ruleFiles()) {
      for (const g of f.groups) for (const r of g.rules) if (r.for !== undefined) r.for = '2s';
      writeFileSync(join(promDir, 'rules', basename(f.path)), stringify({ groups: f.groups }));
    }
    const amPort = await freePort();
    const promPort = await freePort();
    amUrl = `http://127.0.0.1:${amPort}`;
    writeFileSync(
      join(promDir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(promDir, 'rules', '*.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [{ job_name: 'agentic-pnl', static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] }],
      }),
    );

    alertmanager = startProcess('alertmanager', alertmanagerBin, [
      `--config.file=${join(amDir, 'alertmanager.yml')}`,
      `--storage.path=${join(amDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=', // no gossip port: a single, isolated instance
      '--log.level=warn',
    ]);
    await waitFor('Alertmanager ready', () => isReady(`${amUrl}/-/ready`), 20_000, 200, logs);

    prometheus = startProcess('prometheus', prometheusBin, [
      `--config.file=${join(promDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(promDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ]);
    await waitFor('Prometheus ready', () => isReady(`http://127.0.0.1:${promPort}/-/ready`), 20_000, 200, logs);
    promUrl = `http://127.0.0.1:${promPort}`;
  }

  afterAll(async () => {
    await Promise.all([prometheus?.stop(), alertmanager?.stop()]);
    await close(slack);
    await svc?.stop();
    dir.remove();
  });

  it('posts a readable 90% budget message for cust_acme to the finance channel, and inhibits the 70% one', async () => {
    if (setupError !== undefined) throw setupError;
    const isBudget90 = (m: SlackPayload): boolean => (m.attachments ?? []).some((a) => (a.text ?? '').includes('*CustomerBudget90PercentUsed*'));
    const message = await waitFor('a Slack message for CustomerBudget90PercentUsed', () => slackMessages.find(isBudget90), WAIT_FOR_SLACK_MS, 250, logs);

    expect(message.channel).toBe('#pnl-finance');
    const attachment = message.attachments?.[0];
    expect(attachment?.title).toBe('[FIRING] Customer cust_acme has passed the alert level of its LLM budget.');
    expect(attachment?.title_link).toBe('http://localhost:3000/d/pnl-customer/customer-pnl?var-customer=cust_acme&from=now/M&to=now');
    expect(attachment?.color).toBe('warning');
    const text = attachment?.text ?? '';
    expect(text).toContain('*Customer:* `cust_acme`');
    expect(text).toContain('*Value:* 93% of budget used');
    expect(text).toContain('*Threshold:* 90% of budget (alert_ratio)');
    expect(text).toContain('cust_acme has spent 93% of its $1.00 LLM budget for the current period (alert threshold 90%).');
    expect(text).toContain('<http://localhost:3000/d/pnl-customer/customer-pnl?var-customer=cust_acme&from=now/M&to=now|Dashboard>');
    expect(text).toContain('<https://github.com/agentic-pnl/agentic-pnl/blob/main/docs/runbooks/CustomerBudget90PercentUsed.md|Runbook>');

    // 93 % is also over 70 %: that alert reaches Alertmanager too, but is inhibited by the 90 % one.
    const alerts = await waitFor(
      'both budget alerts in Alertmanager',
      async () => {
        const list = (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as AmAlert[];
        const names = new Set(list.map((a) => a.labels.alertname));
        return names.has('CustomerBudget70PercentUsed') && names.has('CustomerBudget90PercentUsed') ? list : undefined;
      },
      20_000,
      250,
      logs,
    );
    const a90 = alerts.find((a) => a.labels.alertname === 'CustomerBudget90PercentUsed');
    const a70 = alerts.find((a) => a.labels.alertname === 'CustomerBudget70PercentUsed');
    expect(a90?.labels).toMatchObject({ customer: 'cust_acme', severity: 'warning', team: 'finance' });
    expect(a90?.status.state).toBe('active');
    expect(a70?.status.state).toBe('suppressed');
    expect(a70?.status.inhibitedBy).toEqual([a90?.fingerprint]);
    expect(slackMessages.some((m) => JSON.stringify(m).includes('CustomerBudget70PercentUsed'))).toBe(false);
  }, WAIT_FOR_SLACK_MS + 30_000);

  it('posts the exhausted portfolio budget to the finance channel, with no customer, and inhibits its lower levels', async () => {
    if (setupError !== undefined) throw setupError;
    const isPortfolio = (m: SlackPayload): boolean => (m.attachments ?? []).some((a) => (a.text ?? '').includes('*PortfolioBudgetExhausted*'));
    const message = await waitFor('a Slack message for PortfolioBudgetExhausted', () => slackMessages.find(isPortfolio), WAIT_FOR_SLACK_MS, 250, logs);
    expect(message.channel).toBe('#pnl-finance');
    const attachment = message.attachments?.[0];
    expect(attachment?.title).toBe('[FIRING] The portfolio has used its whole LLM budget.');
    const text = attachment?.text ?? '';
    expect(text).toContain('All customers together have spent 103.3% of the $0.90 portfolio LLM budget for the current period (threshold 100%).');
    expect(text).not.toContain('*Customer:*');
    const alerts = await waitFor(
      'the three portfolio budget alerts in Alertmanager',
      async () => {
        const list = (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as AmAlert[];
        return list.filter((a) => (a.labels.alertname ?? '').startsWith('PortfolioBudget')).length === 3 ? list : undefined;
      },
      20_000,
      250,
      logs,
    );
    const exhausted = alerts.find((a) => a.labels.alertname === 'PortfolioBudgetExhausted');
    expect(exhausted?.labels.customer).toBeUndefined();
    for (const lower of ['PortfolioBudget90PercentUsed', 'PortfolioBudget70PercentUsed']) {
      expect(alerts.find((a) => a.labels.alertname === lower)?.status.inhibitedBy, lower).toEqual([exhausted?.fingerprint]);
    }
    // The customer rules leave the portfolio's pseudo-customer out.
    expect(alerts.filter((a) => a.labels.customer === '__all__')).toEqual([]);
  }, WAIT_FOR_SLACK_MS + 30_000);

  it('answers every PromQL expression of the provisioned dashboards with data from the real service', async () => {
    if (setupError !== undefined) throw setupError;
    const { readdirSync } = await import('node:fs');
    const dashboardsDir = join(import.meta.dirname, '../../grafana/dashboards');
    const exprs: Array<{ dashboard: string; expr: string }> = [];
    for (const f of readdirSync(dashboardsDir)) {
      const d = JSON.parse(readFileSync(join(dashboardsDir, f), 'utf8')) as { panels?: Array<{ targets?: Array<{ expr?: string }> }> };
      for (const p of d.panels ?? []) for (const t of p.targets ?? []) if (t.expr) exprs.push({ dashboard: f, expr: t.expr.replaceAll('$customer', 'cust_acme') });
    }
    // The month-end forecast needs a complete day of the month; on the 1st (UTC) there is none.
    if (new Date().getUTCDate() === 1) {
      for (let i = exprs.length - 1; i >= 0; i--) if (exprs[i]!.expr.includes('pnl_forecast_cost_usd')) exprs.splice(i, 1);
    }
    expect(exprs.length).toBeGreaterThan(5);
    // The backup panel has data once a backup was taken.
    expect((await fetch(`${svc!.url}/api/v1/backup`, { method: 'POST' })).status).toBe(200);
    // The firing budget alert (previous test) gives ALERTS data; rate() needs two scrapes of the counters.
    for (const { dashboard, expr } of exprs) {
      const result = await waitFor(
        `data for ${expr} (${dashboard})`,
        async () => {
          const r = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { status: string; data: { result: unknown[] } };
          expect(r.status).toBe('success');
          return r.data.result.length > 0 ? r.data.result : undefined;
        },
        30_000,
        500,
        logs,
      );
      expect(result.length, expr).toBeGreaterThan(0);
    }
  });

  it('mutes only the spend spike while a replica is down, and a replica\'s lag while its inserts fail', async () => {
    if (setupError !== undefined) throw setupError;
    // Alerts as Prometheus would send them. The gauge-based money alerts come from ClickHouse and
    // are the same on every replica, so a down replica must not mute them.
    const endsAt = new Date(Date.now() + 10 * 60_000).toISOString();
    const post = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { labels: { alertname: 'PnlExporterDown', severity: 'critical', team: 'sre', job: 'agentic-pnl', instance: 'pnl-9:4318' }, endsAt },
        { labels: { alertname: 'CustomerCostSpike', severity: 'warning', team: 'finance', customer: 'cust_spike' }, endsAt },
        { labels: { alertname: 'CustomerUnprofitable', severity: 'critical', team: 'finance', customer: 'cust_loss' }, endsAt },
        // Failing inserts explain the lag on the same replica, not on another.
        { labels: { alertname: 'PnlClickHouseWritesFailing', severity: 'critical', team: 'sre', job: 'agentic-pnl', instance: 'pnl-7:4318' }, endsAt },
        { labels: { alertname: 'PnlClickHouseLagHigh', severity: 'warning', team: 'sre', job: 'agentic-pnl', instance: 'pnl-7:4318' }, endsAt },
        { labels: { alertname: 'PnlClickHouseLagHigh', severity: 'warning', team: 'sre', job: 'agentic-pnl', instance: 'pnl-8:4318' }, endsAt },
      ]),
    });
    expect(post.status).toBe(200);
    const alerts = await waitFor(
      'the three alerts, the spike inhibited',
      async () => {
        const list = (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as AmAlert[];
        const spike = list.find((a) => a.labels.alertname === 'CustomerCostSpike');
        return spike?.status.state === 'suppressed' && list.some((a) => a.labels.alertname === 'CustomerUnprofitable') ? list : undefined;
      },
      20_000,
      250,
      logs,
    );
    const down = alerts.find((a) => a.labels.alertname === 'PnlExporterDown');
    expect(alerts.find((a) => a.labels.alertname === 'CustomerCostSpike')?.status.inhibitedBy).toEqual([down?.fingerprint]);
    const loss = alerts.find((a) => a.labels.alertname === 'CustomerUnprofitable');
    expect([loss?.status.state, loss?.status.inhibitedBy]).toEqual(['active', []]);
    const budget = alerts.find((a) => a.labels.alertname === 'CustomerBudget90PercentUsed');
    expect(budget?.status.state).toBe('active');
    const failing = alerts.find((a) => a.labels.alertname === 'PnlClickHouseWritesFailing');
    const lag = (instance: string) => alerts.find((a) => a.labels.alertname === 'PnlClickHouseLagHigh' && a.labels.instance === instance)?.status;
    expect(lag('pnl-7:4318')?.inhibitedBy).toEqual([failing?.fingerprint]);
    expect(lag('pnl-8:4318')?.state).toBe('active');
  });
});
