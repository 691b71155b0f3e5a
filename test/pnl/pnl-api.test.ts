import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthToDate } from '../../exporter/src/api/date-range.js';
import { BudgetGuard, PORTFOLIO_BUDGET } from '../../instrumentation/src/index.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const run = promisify(execFile);
const JSON_CT = { 'content-type': 'application/json' };
const period = monthToDate();
const monthStart = period.from;
const nextMonth = (() => {
  const d = new Date(`${monthStart}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
})();

/*
 * gpt-4o-mini is $0.15 per million input tokens and $0.60 per million output tokens.
 * A call of 1,000,000 input tokens and 0 output costs exactly $0.15; of 0 input and 1,000,000
 * output exactly $0.60. Round numbers make the expected P&L easy to check by hand.
 */
const call = (customer: string, extra: Record<string, unknown>, usage = { input_tokens: 1_000_000, output_tokens: 0 }) => ({
  name: 'chat gpt-4o-mini',
  attributes: chatAttributes('gpt-4o-mini', usage, { 'pnl.customer.id': customer, 'pnl.customer.tier': 'pro', ...extra }),
});

async function send(svc: TestService, entries: ReturnType<typeof call>[]): Promise<void> {
  const { json } = await otlpBodies(entries);
  expect((await postTraces(svc.url, json, JSON_CT)).status).toBe(200);
  await svc.service.core.writer.flush();
}

async function api<T>(svc: TestService, path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(`${svc.url}${path}`, { ...init, headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as T };
}

describe('P&L API, CLI and export on real ingested calls', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ tierPrices: JSON.stringify({ pro: 99 }) });
    // cust_a: 3 first attempts ($0.15 each) + 1 retry ($0.60): base $0.45, evolution $0.60.
    await send(svc, [
      call('cust_a', { 'pnl.attempt': 0 }),
      call('cust_a', { 'pnl.attempt': 0 }),
      call('cust_a', { 'pnl.attempt': 0 }),
      call('cust_a', { 'pnl.attempt': 1, 'pnl.attempt.reason': 'retry' }, { input_tokens: 0, output_tokens: 1_000_000 }),
    ]);
    // cust_b: one call of $0.60 and revenue of $0.50 for this month: it loses money.
    await send(svc, [call('cust_b', {}, { input_tokens: 0, output_tokens: 1_000_000 })]);
  });
  afterAll(() => svc?.stop());

  it('stores revenue and prorates it; validates bad rows with every problem listed', async () => {
    const ok = await api<{ stored: number }>(svc, '/api/v1/revenue', {
      method: 'PUT',
      body: JSON.stringify([
        { customer: 'cust_a', period_start: monthStart, period_end: nextMonth, amount: 10 },
        { customer: 'cust_b', period_start: monthStart, period_end: nextMonth, amount: '0.5' },
      ]),
    });
    expect(ok).toEqual({ status: 200, body: { stored: 2 } });
    const bad = await api<{ error: { code: string; message: string } }>(svc, '/api/v1/revenue', {
      method: 'PUT',
      body: JSON.stringify([{ customer: '', period_start: '2026-13-01', period_end: monthStart, amount: 'ten' }]),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/0\.customer.*0\.period_start.*0\.amount/);
  });

  it('computes the customer snapshot exactly', async () => {
    const { status, body } = await api<Record<string, unknown>>(svc, `/api/v1/customers/cust_a/snapshot?from=${monthStart}&to=${nextMonth}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      customer: 'cust_a',
      tier: 'pro',
      revenueUsd: 10,
      revenueSource: 'explicit',
      baseCostUsd: 0.45,
      evolutionCostUsd: 0.6,
      evolutionCostByReasonUsd: { retry: 0.6, escalation: 0, reexecution: 0, fallback: 0 },
      calls: 4,
    });
    expect(body['totalCostUsd']).toBeCloseTo(1.05, 12);
    expect(body['agenticPnlUsd']).toBeCloseTo(8.95, 12);
    expect(body['grossMarginPct']).toBeCloseTo(89.5, 10);
    const missing = await api<{ error: { code: string } }>(svc, '/api/v1/customers/nobody/snapshot');
    expect(missing.status).toBe(404);
  });

  it('summarizes the portfolio with the money-losing customer first among losses', async () => {
    const { body } = await api<{ totals: Record<string, number>; unprofitable: Array<{ customer: string; loss: number }> }>(
      svc,
      `/api/v1/summary?from=${monthStart}&to=${nextMonth}`,
    );
    expect(body.totals['revenue']).toBeCloseTo(10.5, 12);
    expect(body.totals['totalCost']).toBeCloseTo(1.65, 12);
    expect(body.totals['customers']).toBe(2);
    expect(body.unprofitable.map((u) => u.customer)).toEqual(['cust_b']);
    expect(body.unprofitable[0]!.loss).toBeCloseTo(0.1, 12);
    // Every invalid parameter in one answer: the period and top.
    const bad = await api<{ error: { code: string; message: string } }>(svc, '/api/v1/summary?from=2026-13-01&top=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^invalid period: from: .*; invalid top: /);
  });

  it('crosses the budget states 70/90/100% at the right call', async () => {
    // Limit $1.00; each call costs $0.15 (1M input tokens of gpt-4o-mini).
    const put = await api<{ state: string }>(svc, '/api/v1/budgets/cust_c', { method: 'PUT', body: JSON.stringify({ limit_usd: 1 }) });
    expect(put.body.state).toBe('ok');
    const states: string[] = [];
    for (let i = 1; i <= 7; i++) {
      await send(svc, [call('cust_c', {})]);
      const { body } = await api<{ state: string; utilization: number }>(svc, '/api/v1/budgets/cust_c');
      states.push(`${i}:${body.state}`);
    }
    // 0.15 0.30 0.45 0.60 -> ok; 0.75 -> warn; 0.90 -> alert; 1.05 -> capped
    expect(states).toEqual(['1:ok', '2:ok', '3:ok', '4:ok', '5:warn', '6:alert', '7:capped']);
    const none = await api<{ state: string; limit_usd: null }>(svc, '/api/v1/budgets/no-budget-customer');
    expect(none.body).toMatchObject({ state: 'ok', limit_usd: null });
    const audit = await svc.service.core.store.select<{ action: string; target: string }>("SELECT action, target FROM pnl.audit_log WHERE action = 'budget.put'");
    expect(audit).toEqual([{ action: 'budget.put', target: 'cust_c' }]);
  });

  it('exports Parquet that ClickHouse reads back with the same totals', async () => {
    const res = await fetch(`${svc.url}/api/v1/export?format=parquet&level=calls&from=${monthStart}&to=${nextMonth}`);
    expect(res.status).toBe(200);
    const file = join(svc.dataDir, 'export.parquet');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const [fromFile] = await svc.service.core.store.select<{ n: number; cost: string }>(`SELECT count() AS n, toString(sum(cost_usd)) AS cost FROM file('${file}', 'Parquet')`);
    const [fromTable] = await svc.service.core.store.select<{ n: number; cost: string }>('SELECT count() AS n, toString(sum(cost_usd)) AS cost FROM pnl.llm_calls');
    expect(fromFile).toEqual(fromTable);
    expect(fromTable).toEqual({ n: 12, cost: '2.7' });
    const csv = await (await fetch(`${svc.url}/api/v1/export?format=csv&level=daily&from=${monthStart}&to=${nextMonth}&customer=cust_b`)).text();
    expect(csv.split('\n')[0]).toContain('"customer_id"');
    expect(csv).toContain('"cust_b"');
  });

  it('prints the report with the CLI, as a table and as JSON', async () => {
    const cli = join(process.cwd(), 'exporter/dist/cli/main.js');
    const table = await run(process.execPath, [cli, 'report', '--url', svc.url, '--from', monthStart, '--to', nextMonth]);
    expect(table.stdout).toContain('Agentic P&L');
    expect(table.stdout).toMatch(/cust_b\s+pro\s+\$0\.50\s+\$0\.60/);
    expect(table.stdout).not.toContain('\u001b['); // piped: no colour codes
    const json = JSON.parse((await run(process.execPath, [cli, 'report', '--json', '--url', svc.url, '--from', monthStart, '--to', nextMonth])).stdout);
    expect(json.totals.customers).toBe(3);
  });

  it('imports revenue from CSV with the CLI and reports bad lines', async () => {
    const cli = join(process.cwd(), 'exporter/dist/cli/main.js');
    const good = join(svc.dataDir, 'revenue.csv');
    writeFileSync(good, `customer,period_start,period_end,amount,source\ncust_c,${monthStart},${nextMonth},42.5,stripe\n`);
    await run(process.execPath, [cli, 'revenue', 'import', good, '--url', svc.url]);
    const { body } = await api<{ revenueUsd: number }>(svc, `/api/v1/customers/cust_c/snapshot?from=${monthStart}&to=${nextMonth}`);
    expect(body.revenueUsd).toBeCloseTo(42.5, 12);
    const bad = join(svc.dataDir, 'bad.csv');
    writeFileSync(bad, 'customer,period_start,period_end,amount\ncust_x,2026-01-01,2025-01-01,1\n,2026-01-01,2026-02-01,x\n');
    const err = await run(process.execPath, [cli, 'revenue', 'import', bad, '--url', svc.url]).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(/line 2:.*line 3:/s);
    expect(readFileSync(bad, 'utf8')).toContain('cust_x');
  });
});

describe('budget gauges', () => {
  it('publish every budget in effect today, whatever the customer\'s rank, with its own thresholds; an ended period is left out', async () => {
    // One customer label of its own: cust_big takes it, cust_small is "__other__" for the counters.
    const svc = await startTestService({ topCustomers: 1, pnlRefreshMs: 600_000 });
    try {
      await send(svc, [call('cust_big', {}), call('cust_small', {}, { input_tokens: 1000, output_tokens: 0 })]);
      const put = (customer: string, body: Record<string, unknown>) => api(svc, `/api/v1/budgets/${customer}`, { method: 'PUT', body: JSON.stringify(body) });
      expect((await put('cust_small', { limit_usd: 0.001, warn_ratio: 0.5, alert_ratio: 0.8 })).status).toBe(200);
      // A custom period that ended yesterday: its utilization is past 100 % and must not keep an alert firing.
      const today = new Date().toISOString().slice(0, 10);
      const ended = { limit_usd: 0.01, period: 'custom', period_start: '2020-01-01', period_end: today };
      expect((await put('cust_big', ended)).status).toBe(200);
      await (svc.service as unknown as { gauges: { refresh(): Promise<void> } }).gauges.refresh();
      const metrics = await (await fetch(`${svc.url}/metrics`)).text();
      expect(metrics).toMatch(/^pnl_llm_cost_usd_total\{customer="__other__"/m); // cust_small is outside the top N
      // $0.00015 of a $0.001 budget (1000 gpt-4o-mini input tokens at $0.15/M).
      expect(metrics).toMatch(/^pnl_budget_utilization_ratio\{customer="cust_small"\} 0\.15\d*$/m);
      expect(metrics).toMatch(/^pnl_budget_limit_usd\{customer="cust_small"\} 0\.001$/m);
      expect(metrics).toMatch(/^pnl_budget_warn_ratio\{customer="cust_small"\} 0\.5$/m);
      expect(metrics).toMatch(/^pnl_budget_alert_ratio\{customer="cust_small"\} 0\.8$/m);
      expect(metrics).not.toMatch(/^pnl_budget_\w+\{customer="cust_big"\}/m);
      expect(metrics).not.toMatch(/^pnl_budget_\w+\{customer="__other__"\}/m);
    } finally {
      await svc.stop();
    }
  });

  it('count every customer\'s spend together under the portfolio budget __all__, for a custom period and the month', async () => {
    const svc = await startTestService({ pnlRefreshMs: 600_000 });
    try {
      // $0.15 + $0.60 + $0.00015 this month, from three customers.
      await send(svc, [call('cust_p1', {}), call('cust_p2', {}, { input_tokens: 0, output_tokens: 1_000_000 }), call('cust_p3', {}, { input_tokens: 1000, output_tokens: 0 })]);
      const put = (body: Record<string, unknown>) => api<{ state: string; spent_usd: number; utilization: number }>(svc, '/api/v1/budgets/__all__', { method: 'PUT', body: JSON.stringify(body) });
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const custom = await put({ limit_usd: 0.8, period: 'custom', period_start: monthStart, period_end: tomorrow });
      expect(custom.status).toBe(200);
      expect(custom.body.spent_usd).toBeCloseTo(0.75015, 12);
      expect(custom.body.state).toBe('alert'); // 0.75015 / 0.8 = 0.94
      const monthly = await put({ limit_usd: 1 });
      expect(monthly.body).toMatchObject({ state: 'warn' }); // 0.75
      // What an application's budget guard sees for the portfolio, and for one customer without a budget.
      const guard = new BudgetGuard({ serviceUrl: svc.url });
      expect([await guard.state(PORTFOLIO_BUDGET), await guard.state('cust_p2')]).toEqual(['warn', 'ok']);
      const { body: listed } = await api<{ budgets: Array<{ customer: string; utilization: number }> }>(svc, '/api/v1/budgets');
      expect(listed.budgets.map((b) => b.customer)).toEqual(['__all__']);
      expect(listed.budgets[0]!.utilization).toBeCloseTo(0.75015, 12);
      await (svc.service as unknown as { gauges: { refresh(): Promise<void> } }).gauges.refresh();
      const metrics = await (await fetch(`${svc.url}/metrics`)).text();
      expect(metrics).toMatch(/^pnl_budget_utilization_ratio\{customer="__all__"\} 0\.7501\d*$/m);
      expect(metrics).toMatch(/^pnl_budget_limit_usd\{customer="__all__"\} 1$/m);
    } finally {
      await svc.stop();
    }
  });
});

describe('insight endpoints wired into the service', () => {
  it('serves anomalies and recommendations, and publishes P&L gauges', async () => {
    const svc = await startTestService({ tierPrices: JSON.stringify({ pro: 99 }), pnlRefreshMs: 60_000 });
    try {
      // Small gpt-4o calls: 1000 input + 100 output tokens each, priced $0.0035; gpt-4o-mini would be $0.00021.
      const { json } = await otlpBodies(
        [1, 2, 3].map(() => ({ name: 'chat gpt-4o', attributes: chatAttributes('gpt-4o', { input_tokens: 1000, output_tokens: 100 }, { 'pnl.customer.id': 'cust_r' }) })),
      );
      expect((await postTraces(svc.url, json, JSON_CT)).status).toBe(200);
      await svc.service.core.writer.flush();
      const anomalies = await api<{ anomalies: unknown[] }>(svc, '/api/v1/anomalies');
      expect(anomalies.status).toBe(200);
      expect(Array.isArray(anomalies.body.anomalies)).toBe(true);
      const rec = await api<{ recommendations: Array<{ model: string; candidateModel: string; savingUsd: number }> }>(svc, '/api/v1/recommendations');
      expect(rec.body.recommendations[0]).toMatchObject({ model: 'gpt-4o', candidateModel: 'gpt-4o-mini' });
      expect(rec.body.recommendations[0]!.savingUsd).toBeCloseTo(3 * (0.0035 - 0.00021), 12);
      await (svc.service as unknown as { gauges: { refresh(): Promise<void> } }).gauges.refresh();
      const metrics = await (await fetch(`${svc.url}/metrics`)).text();
      expect(metrics).toMatch(/^pnl_customer_cost_usd\{customer="cust_r"\} 0\.0105$/m);
      expect(metrics).toMatch(/^pnl_customer_revenue_usd\{customer="cust_r"\} \d/m);
    } finally {
      await svc.stop();
    }
  });
});
