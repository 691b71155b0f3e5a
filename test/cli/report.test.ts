import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usdAmount } from '../../exporter/src/cli/render-report.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const run = promisify(execFile);
const main = join(import.meta.dirname, '../../exporter/dist/cli/main.js');
const cli = (...args: string[]) => run(process.execPath, [main, ...args], { timeout: 30_000 });

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
  // Three customers of different spend: 1000, 2000 and 3000 input tokens of gpt-4o-mini.
  const { json } = await otlpBodies(
    [1, 2, 3].map((n) => ({ name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: n * 1000, output_tokens: 10 }, { 'pnl.customer.id': `cust_report_${n}` }) })),
  );
  expect((await postTraces(svc.url, json, { 'content-type': 'application/json' })).status).toBe(200);
  await svc.service.core.writer.flush();
}, 60_000);
afterAll(() => svc.stop());

describe('agentic-pnl report', () => {
  it('lists the top customers in the table and says how many it left out', async () => {
    const { stdout } = await cli('report', '--url', svc.url, '--top', '2');
    expect(stdout).toMatch(/^cust_report_3\s/m);
    expect(stdout).toMatch(/^cust_report_2\s/m);
    expect(stdout).not.toMatch(/^cust_report_1\s/m);
    expect(stdout).toContain('... and 1 more (--top)');
  }, 40_000);

  it('applies --top to the JSON summary too', async () => {
    const { stdout } = await cli('report', '--url', svc.url, '--json', '--top', '1');
    const summary = JSON.parse(stdout) as { customers: Array<{ customer: string }>; totals: { customers: number } };
    expect(summary.customers.map((c) => c.customer)).toEqual(['cust_report_3']);
    expect(summary.totals.customers).toBe(3);
  }, 40_000);

  it('refuses a --top that is not a whole number from 1 up, saying what it expects', async () => {
    for (const bad of ['abc', '0', '-3', '2.5', '10001']) {
      const err = await cli('report', '--url', svc.url, '--top', bad).then(() => undefined, (e: { code: number; stderr: string }) => e);
      expect(err?.code, bad).toBe(1);
      expect(err?.stderr).toContain('expected a whole number from 1 to 10,000');
    }
  }, 40_000);
});

describe('amounts in the report', () => {
  it('round to cents before taking the sign, so a tiny loss is not "-$0.00"', () => {
    expect([usdAmount(-0.004), usdAmount(0.004), usdAmount(-0.005), usdAmount(-1234.5), usdAmount(0)]).toEqual(['$0.00', '$0.00', '-$0.01', '-$1,234.50', '$0.00']);
  });
});
