import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ALERTMANAGER_CONFIG,
  ALERTMANAGER_DIR,
  PROMETHEUS_CONFIG,
  REPO_ROOT,
  RUNBOOKS_DIR,
  UNIT_TEST_FILES,
  alertRules,
  recordingRules,
  ruleFiles,
  unitTestFiles,
} from './support/rule-files.js';
import { requireTool, runTool } from './support/tools.js';
import { tempDir } from '../helpers/temp-dir.js';

// These tests run the real promtool and amtool (Debian packages prometheus and
// prometheus-alertmanager). Without them they fail with the install command: never skip.

const RUNBOOK_BASE = 'https://github.com/agentic-pnl/agentic-pnl/blob/main/docs/runbooks/';

/** Where Alertmanager must send each team/severity: the routing contract of alertmanager.yml. */
function expectedReceiver(labels: Record<string, string>): string {
  if (labels.team === 'sre') return labels.severity === 'critical' ? 'sre-pager' : 'slack-sre';
  if (labels.team === 'finance') return 'slack-finance';
  return 'slack-default';
}

function routesTest(receivers: string, labels: Record<string, string>) {
  const amtool = requireTool('amtool');
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return runTool(amtool, ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG}`, `--verify.receivers=${receivers}`, ...pairs]);
}

describe('Prometheus rules', () => {
  it('passes promtool check rules, with every rule of every file counted', () => {
    const promtool = requireTool('promtool');
    const files = ruleFiles();
    expect(files.length).toBeGreaterThanOrEqual(2);
    const r = runTool(promtool, ['check', 'rules', ...files.map((f) => f.path)]);
    expect(r.code, r.output).toBe(0);
    for (const f of files) {
      const n = f.groups.reduce((sum, g) => sum + g.rules.length, 0);
      expect(r.output).toContain(`Checking ${f.path}\n  SUCCESS: ${n} rules found`);
    }
  });

  it('passes the promtool unit tests (rules.test.yml and rules-daily.test.yml)', () => {
    const promtool = requireTool('promtool');
    const r = runTool(promtool, ['test', 'rules', ...UNIT_TEST_FILES], { cwd: REPO_ROOT });
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('FAILED');
    for (const f of UNIT_TEST_FILES) expect(r.output).toContain(`Unit Testing:  ${f}\n  SUCCESS`);
  });

  it('ships a prometheus.yml that promtool accepts and that loads every rule file', () => {
    const promtool = requireTool('promtool');
    const r = runTool(promtool, ['check', 'config', PROMETHEUS_CONFIG]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`SUCCESS: ${ruleFiles().length} rule files found`);
  });

  it('names alerts in CamelCase and recording rules level:metric:operations', () => {
    for (const a of alertRules()) expect(a.alert).toMatch(/^[A-Z][a-z0-9]+(?:[A-Z0-9][a-z0-9]*)+$/);
    for (const r of recordingRules()) expect(r.record).toMatch(/^[a-z_]+:pnl_[a-z0-9_]+:[a-z0-9_]+$/);
  });

  it('gives every alert severity, team, readable annotations, a runbook in the repo and a dashboard path', () => {
    const alerts = alertRules();
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'CustomerBudget70PercentUsed',
      'CustomerBudget90PercentUsed',
      'CustomerBudgetExhausted',
      'CustomerCostSpike',
      'CustomerMarginBelowTarget',
      'CustomerRiskTierCritical',
      'CustomerUnitCostAboveTarget',
      'CustomerUnprofitable',
      'FeatureCacheHitRatioDrop',
      'InvoiceVarianceHigh',
      'LlmCallsUnpriced',
      'ModelErrorRateHigh',
      'PnlBackupStale',
      'PnlClickHouseLagHigh',
      'PnlClickHouseWritesFailing',
      'PnlExporterDown',
      'PnlGaugesStale',
      'PnlIngestLagHigh',
      'PnlSpoolFilling',
      'PnlSpoolRowsLost',
      'PortfolioBudget70PercentUsed',
      'PortfolioBudget90PercentUsed',
      'PortfolioBudgetExhausted',
      'TokenCountMismatch',
    ]);
    for (const a of alerts) {
      const where = `alert ${a.alert}`;
      expect(['info', 'warning', 'critical'], where).toContain(a.labels?.severity);
      expect(['finance', 'sre'], where).toContain(a.labels?.team);
      expect(Object.keys(a.annotations ?? {}).sort(), where).toEqual(['dashboard_url', 'description', 'runbook_url', 'summary', 'threshold', 'value']);
      expect(a.annotations?.runbook_url, where).toBe(`${RUNBOOK_BASE}${a.alert}.md`);
      const runbook = join(RUNBOOKS_DIR, `${a.alert}.md`);
      expect(existsSync(runbook), `${where}: ${relative(REPO_ROOT, runbook)} is missing`).toBe(true);
      const text = readFileSync(runbook, 'utf8');
      expect(text, `${where} runbook title`).toMatch(new RegExp(`^# ${a.alert}\\n`));
      for (const section of ['## What it means', '## How to confirm', '## What to do']) expect(text, `${where} runbook`).toContain(section);
      expect(a.annotations?.dashboard_url, where).toMatch(/^\/d\/pnl-[a-z]+\/[a-z-]+/);
      // The link leads to a dashboard that is provisioned (Grafana resolves /d/<uid>/ by uid).
      const uid = /^\/d\/([\w-]+)\//.exec(a.annotations?.dashboard_url ?? '')?.[1];
      expect(existsSync(join(REPO_ROOT, 'grafana', 'dashboards', `${uid}.json`)), `${where}: no grafana/dashboards/${uid}.json`).toBe(true);
      expect(a.for, `${where} has a for duration`).toMatch(/^\d+[smh]$/);
      // The message names what the alert is about: customer alerts their customer.
      if (a.expr.includes('by (customer')) expect(a.annotations?.summary, where).toContain('{{ $labels.customer }}');
    }
  });

  it('has a unit test for every alert both silent (before `for`) and firing, and for every recording rule', () => {
    const files = unitTestFiles();
    const alertTests = files.flatMap((f) => f.tests.flatMap((t) => t.alert_rule_test ?? []));
    const exprTests = files.flatMap((f) => f.tests.flatMap((t) => t.promql_expr_test ?? []));
    const pendingChecked = exprTests.filter((t) => t.expr.startsWith('ALERTS')).flatMap((t) => JSON.stringify(t.exp_samples ?? []));
    for (const a of alertRules()) {
      const mine = alertTests.filter((t) => t.alertname === a.alert);
      expect(mine.some((t) => (t.exp_alerts ?? []).length === 0), `${a.alert}: no silent case`).toBe(true);
      expect(mine.some((t) => (t.exp_alerts ?? []).length > 0), `${a.alert}: no firing case`).toBe(true);
      // The silent case is silent because of `for`: the alert is checked pending there.
      expect(pendingChecked.some((s) => s.includes(`alertname=\\"${a.alert}\\",alertstate=\\"pending\\"`)), `${a.alert}: no pending check`).toBe(true);
    }
    for (const r of recordingRules()) {
      const samples = exprTests.filter((t) => t.expr.includes(r.record) && (t.exp_samples ?? []).length > 0);
      expect(samples.length, `${r.record}: no promql_expr_test`).toBeGreaterThan(0);
    }
  });

  it('fixes the rule group evaluation order in every unit test file (promtool runs groups in random order otherwise)', () => {
    const groups = ruleFiles().flatMap((f) => f.groups.map((g) => g.name));
    for (const f of unitTestFiles()) expect([...(f.group_eval_order ?? [])].sort()).toEqual([...groups].sort());
  });
});

describe('Alertmanager configuration', () => {
  it('passes amtool check-config with its receivers, inhibitions and template', () => {
    const amtool = requireTool('amtool');
    const r = runTool(amtool, ['check-config', ALERTMANAGER_CONFIG]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
    expect(r.output).toContain(' - 6 inhibit rules');
    expect(r.output).toContain(' - 4 receivers');
    expect(r.output).toContain(' - 1 templates');
  });

  it('sends to Slack with the webhook from a file, resolved messages on, grouped by alert and customer', () => {
    const config = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as {
      route: { group_by: string[] };
      receivers: { name: string; slack_configs?: Record<string, unknown>[] }[];
    };
    expect(config.route.group_by).toEqual(['alertname', 'customer']);
    expect(config.receivers.map((r) => r.name).sort()).toEqual(['slack-default', 'slack-finance', 'slack-sre', 'sre-pager']);
    for (const receiver of config.receivers) {
      expect(receiver.slack_configs?.length, receiver.name).toBe(1);
      for (const slack of receiver.slack_configs ?? []) {
        expect(slack.api_url_file, receiver.name).toBe('/etc/alertmanager/slack_webhook_url');
        expect(slack.api_url, receiver.name).toBeUndefined();
        expect(slack.send_resolved, receiver.name).toBe(true);
        expect(slack.text, receiver.name).toBe('{{ template "pnl.slack.text" . }}');
      }
    }
  });

  it.each([
    ['a finance budget alert', 'slack-finance', { alertname: 'CustomerBudget90PercentUsed', severity: 'warning', team: 'finance', customer: 'cust_acme' }],
    ['a critical finance alert (never the SRE pager)', 'slack-finance', { alertname: 'CustomerBudgetExhausted', severity: 'critical', team: 'finance', customer: 'cust_acme' }],
    ['an info finance alert', 'slack-finance', { alertname: 'CustomerBudget70PercentUsed', severity: 'info', team: 'finance', customer: 'cust_acme' }],
    ['a critical portfolio budget alert', 'slack-finance', { alertname: 'PortfolioBudgetExhausted', severity: 'critical', team: 'finance' }],
    ['a critical SRE alert', 'sre-pager', { alertname: 'PnlExporterDown', severity: 'critical', team: 'sre', instance: 'pnl-0:4318' }],
    ['a warning SRE alert', 'slack-sre', { alertname: 'ModelErrorRateHigh', severity: 'warning', team: 'sre', model: 'gpt-4o-mini' }],
    ['an alert without a team', 'slack-default', { alertname: 'SomethingElse', severity: 'critical' }],
  ])('routes %s to %s', (_what, receiver, labels) => {
    const r = routesTest(receiver, labels);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout.trim()).toBe(receiver);
  });

  it('exits 1 when routing differs from the expected receiver (the routing checks can fail)', () => {
    const r = routesTest('sre-pager', { alertname: 'CustomerBudgetExhausted', severity: 'critical', team: 'finance' });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('slack-finance');
    expect(r.output).toContain('Expected receivers did not match');
  });

  it('routes every shipped alert, by its own labels, to its team and severity receiver', () => {
    for (const a of alertRules()) {
      const labels = { alertname: a.alert, ...a.labels, customer: 'cust_acme' } as Record<string, string>;
      const want = expectedReceiver(labels);
      const r = routesTest(want, labels);
      expect(r.code, `${a.alert}: ${r.output}`).toBe(0);
    }
  });

  it('renders a readable Slack title and text naming customer, value, threshold, dashboard and runbook', () => {
    const amtool = requireTool('amtool');
    const render = (name: string) =>
      runTool(amtool, [
        'template',
        'render',
        `--template.glob=${join(ALERTMANAGER_DIR, 'templates/*.tmpl')}`,
        `--template.data=${join(REPO_ROOT, 'test/alerting/fixtures/slack-budget-90.json')}`,
        `--template.text={{ template "${name}" . }}`,
      ]);
    const title = render('pnl.slack.title');
    expect(title.code, title.output).toBe(0);
    expect(title.stdout).toBe('[FIRING] Customer cust_acme has passed the alert level of its LLM budget.');
    const text = render('pnl.slack.text');
    expect(text.code, text.output).toBe(0);
    expect(text.stdout).toBe(
      [
        '*CustomerBudget90PercentUsed* · severity `warning` · team `finance`',
        '*Customer:* `cust_acme`',
        '*Value:* 93% of budget used',
        '*Threshold:* 90% of budget (alert_ratio)',
        'cust_acme has spent 93% of its $1000.00 LLM budget for the current period (alert threshold 90%). At 100% the budget guard caps the customer and the application degrades.',
        '<http://localhost:3000/d/pnl-customer/customer-pnl?var-customer=cust_acme&from=now/M&to=now|Dashboard> · <https://github.com/agentic-pnl/agentic-pnl/blob/main/docs/runbooks/CustomerBudget90PercentUsed.md|Runbook>',
        '',
      ].join('\n'),
    );
    const color = render('pnl.slack.color');
    expect(color.stdout).toBe('warning');
  });

  it('links dashboards under the grafana_url label Prometheus adds to its alerts (external_labels), else localhost', () => {
    const amtool = requireTool('amtool');
    const fixture = JSON.parse(readFileSync(join(REPO_ROOT, 'test/alerting/fixtures/slack-budget-90.json'), 'utf8')) as { alerts: Array<{ labels: Record<string, string> }> };
    for (const a of fixture.alerts) a.labels['grafana_url'] = 'https://grafana.example.com';
    const dir = tempDir('agentic-pnl-slack-');
    try {
      const data = join(dir.path, 'alert.json');
      writeFileSync(data, JSON.stringify(fixture));
      const render = (name: string) =>
        runTool(amtool, ['template', 'render', `--template.glob=${join(ALERTMANAGER_DIR, 'templates/*.tmpl')}`, `--template.data=${data}`, `--template.text={{ template "${name}" . }}`]);
      expect(render('pnl.slack.title_link').stdout).toBe('https://grafana.example.com/d/pnl-customer/customer-pnl?var-customer=cust_acme&from=now/M&to=now');
      expect(render('pnl.slack.text').stdout).toContain('<https://grafana.example.com/d/pnl-customer/customer-pnl?var-customer=cust_acme&from=now/M&to=now|Dashboard>');
    } finally {
      dir.remove();
    }
    // The shipped Prometheus configurations name it, so a deployment sets it in one place.
    for (const file of ['prometheus.yml', 'prometheus-cluster.yml']) {
      const config = parse(readFileSync(join(REPO_ROOT, 'grafana/prometheus', file), 'utf8')) as { global: { external_labels?: Record<string, string> } };
      expect(config.global.external_labels?.['grafana_url'], file).toMatch(/^https?:\/\//);
    }
  });

  it('counts only the firing alerts of a group in the Slack title', () => {
    const amtool = requireTool('amtool');
    const title = runTool(amtool, [
      'template',
      'render',
      `--template.glob=${join(ALERTMANAGER_DIR, 'templates/*.tmpl')}`,
      `--template.data=${join(REPO_ROOT, 'test/alerting/fixtures/slack-group-two-firing-one-resolved.json')}`,
      '--template.text={{ template "pnl.slack.title" . }}',
    ]);
    expect(title.code, title.output).toBe(0);
    expect(title.stdout).toBe('[FIRING:2] ModelErrorRateHigh');
  });
});
