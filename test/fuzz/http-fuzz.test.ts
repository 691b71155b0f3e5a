import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { describeFailure, runProperty } from './fuzz-runner.js';
import { abortedUploadProperty, apiHttpProperty, tracesHttpProperty, watchErrorLogs, type HttpTarget } from './http-properties.js';

/*
 * The CI-sized, fixed-seed slice of `npm run fuzz` against the real service (about 550
 * requests): POST /v1/traces, uploads cut off mid-body, and every route of docs/openapi.yaml.
 */

const SEED = 20_251_123;
const MAX_BODY_BYTES = 256 * 1024;

describe('fuzzing the service over HTTP', () => {
  let svc: TestService;
  let logs: ReturnType<typeof watchErrorLogs>;
  let target: HttpTarget;
  beforeAll(async () => {
    svc = await startTestService({ maxBodyBytes: MAX_BODY_BYTES });
    logs = watchErrorLogs();
    target = { url: svc.url, maxBodyBytes: MAX_BODY_BYTES, takeErrorLogs: () => logs.take() };
  });
  afterAll(async () => {
    logs?.stop();
    await svc?.stop();
  });

  it('answers POST /v1/traces with 200, 400, 413 or 415 and a body, never 5xx', async () => {
    const r = await runProperty(tracesHttpProperty(target, 250), { seed: SEED, scale: 1 });
    expect(r.failed, r.failed ? describeFailure(r, SEED) : '').toBe(false);
    expect(Object.keys(r.stats)).toEqual(expect.arrayContaining(['200', '400', '413', '415']));
  });

  it('shrugs off uploads cut off mid-body: no error log, still healthy', async () => {
    const r = await runProperty(abortedUploadProperty(target, 40), { seed: SEED, scale: 1 });
    expect(r.failed, r.failed ? describeFailure(r, SEED) : '').toBe(false);
  });

  it('answers every documented API route with 2xx or a 4xx {error: {code, message}}, never 5xx', async () => {
    const r = await runProperty(apiHttpProperty(target, 250), { seed: SEED, scale: 1 });
    expect(r.failed, r.failed ? describeFailure(r, SEED) : '').toBe(false);
  });

  // API bugs found by fuzzing (docs/reliability.md, "Fuzzing"): bad input answered 503 "retry later", or stored clamped.
  it.each([
    // Counterexample: amount 1e+26 failed the Decimal(38, 12) insert and was answered 503.
    ['PUT', '/api/v1/revenue', '{"rows":[{"customer":"cust_acme","period_start":"2026-01-01","period_end":"2026-02-01","amount":1e+26,"source":"api"}]}', 'amount'],
    ['PUT', '/api/v1/budgets/cust_acme', '{"limit_usd":1e300}', 'limit_usd'],
    // The month after 9999-12 is "+010000-01", which ClickHouse cannot parse: a 503.
    ['GET', '/api/v1/revenue/metrics?month=9999-12', undefined, 'month'],
    // Stored as 1970-01-01..2149-06-06 without a word.
    ['PUT', '/api/v1/budgets/cust_acme', '{"limit_usd":5,"period":"custom","period_start":"0001-01-01","period_end":"9999-12-31"}', 'period_start'],
    ['PUT', '/api/v1/revenue', '[{"customer":"c","period_start":"2026-01-01","period_end":"2200-01-01","amount":5}]', 'period_end'],
    ['GET', '/api/v1/summary?from=9999-12-31', undefined, 'from'],
  ])('%s %s answers 400 naming the field', async (method, url, body, field) => {
    const res = await fetch(`${svc.url}${url}`, { method, ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}) });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe('invalid_request');
    expect(json.error.message).toContain(field);
  });

  it('still serves /healthz afterwards', async () => {
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  });
});
