import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/test-service.js';

const run = promisify(execFile);
const CLI = join(process.cwd(), 'exporter/dist/cli/main.js');
const MiB = 2 ** 20;

async function put(svc: TestService, path: string, body: string, contentType = 'application/json'): Promise<{ status: number; body: { stored?: number; error?: { code: string; message: string } } }> {
  const res = await fetch(`${svc.url}${path}`, { method: path.startsWith('/api/v1/invoices') ? 'POST' : 'PUT', body, headers: { 'content-type': contentType } });
  return { status: res.status, body: (await res.json()) as { stored?: number; error?: { code: string; message: string } } };
}

async function storedAmount(svc: TestService, customer: string): Promise<string | undefined> {
  const rows = await svc.service.core.store.select<{ amount: string }>('SELECT toString(amount_usd) AS amount FROM pnl.revenue FINAL WHERE customer_id = {customer:String}', { customer });
  return rows[0]?.amount;
}

describe('PUT /api/v1/revenue limits', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc?.stop());

  it('takes the documented 100,000 rows in one PUT even with every field at its longest', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => ({
      customer: `${String(i).padStart(6, '0')}${'c'.repeat(250)}`, period_start: '2026-01-01', period_end: '2026-02-01',
      amount: '-12345678901234567890.123456789012', source: 's'.repeat(64),
    }));
    const body = JSON.stringify({ rows });
    expect(body.length).toBeGreaterThan(40 * MiB);
    expect(await put(svc, '/api/v1/revenue', body)).toEqual({ status: 200, body: { stored: 100_000 } });
    const over = await put(svc, '/api/v1/revenue', JSON.stringify([...rows, rows[0]]));
    expect(over.status).toBe(400);
    expect(over.body.error!.message).toBe('invalid revenue rows: (body): at most 100,000 rows per request; send the rest in another');
  });

  it('answers a body over a route\'s limit with a 413 that names the limit', async () => {
    const revenue = await put(svc, '/api/v1/revenue', `[${' '.repeat(64 * MiB)}]`);
    expect(revenue).toEqual({
      status: 413,
      body: { error: { code: 'entity.too.large', message: 'the request body is over the 64 MiB limit of PUT /api/v1/revenue; send at most 100,000 rows per request (agentic-pnl revenue import splits a file for you)' } },
    });
    const budget = await put(svc, '/api/v1/budgets/cust_a', JSON.stringify({ limit_usd: 1, note: 'x'.repeat(100 * 1024) }));
    expect([budget.status, budget.body.error!.message]).toEqual([413, expect.stringContaining('over the 100 KiB limit of PUT /api/v1/budgets/cust_a')]);
    const invoice = await put(svc, '/api/v1/invoices?format=generic', `date,provider,model,cost_usd\n${'x'.repeat(64 * MiB)}`, 'text/csv');
    expect([invoice.status, invoice.body.error!.message]).toEqual([413, expect.stringContaining('over the 64 MiB limit of POST /api/v1/invoices')]);
  });

  it('refuses a number amount with more than 12 decimals, as it refuses such a string, and stores one in exponent form exactly', async () => {
    const entry = (customer: string, amount: number | string) => ({ customer, period_start: '2026-01-01', period_end: '2026-02-01', amount });
    for (const amount of [0.1234567890123, 1e-13, '0.1234567890123']) {
      const r = await put(svc, '/api/v1/revenue', JSON.stringify([entry('cust_fine', amount)]));
      expect(r.status, String(amount)).toBe(400);
      expect(r.body.error!.message, String(amount)).toMatch(/^invalid revenue rows: 0\.amount: must (have at most 12 decimals|be a decimal number with at most 12 decimals)/);
    }
    expect(await storedAmount(svc, 'cust_fine')).toBeUndefined();
    expect((await put(svc, '/api/v1/revenue', JSON.stringify([entry('cust_exp', 1.5e-7), entry('cust_twelve', 0.123456789012), entry('cust_big', 1e20)]))).status).toBe(200);
    expect([await storedAmount(svc, 'cust_exp'), await storedAmount(svc, 'cust_twelve'), await storedAmount(svc, 'cust_big')]).toEqual(['0.00000015', '0.123456789012', '100000000000000000000']);
  });

  it('imports a revenue CSV of more rows than one PUT takes with the CLI, in parts', async () => {
    const file = join(svc.dataDir, 'big-revenue.csv');
    const lines = Array.from({ length: 100_001 }, (_, i) => `cli_${i},2026-03-01,2026-04-01,${(i % 1000) / 100},crm`);
    writeFileSync(file, `customer,period_start,period_end,amount,source\n${lines.join('\n')}\n`);
    const { stderr } = await run(process.execPath, [CLI, 'revenue', 'import', file, '--url', svc.url]);
    expect(stderr).toBe(`imported 100001 revenue rows from ${file}\n`);
    const [n] = await svc.service.core.store.select<{ n: string }>("SELECT count() AS n FROM pnl.revenue FINAL WHERE startsWith(customer_id, 'cli_')");
    expect(Number(n!.n)).toBe(100_001);
  });
});
