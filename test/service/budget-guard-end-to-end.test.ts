import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetGuard } from '../../instrumentation/src/index.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

describe("the instrumentation's budget guard against the real service", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc?.stop());

  it('reads ok, then alert after spend crosses 90%, and capped past 100%', async () => {
    // No caching between reads here (ttlMs 0), so each state comes from the service.
    const guard = new BudgetGuard({ serviceUrl: svc.url, ttlMs: 0 });
    expect(await guard.state('cust_guard')).toBe('ok'); // no budget yet
    const put = await fetch(`${svc.url}/api/v1/budgets/cust_guard`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ limit_usd: 1 }) });
    expect(put.status).toBe(200);
    // 6M input tokens of gpt-4o-mini at $0.15/M = $0.90: exactly the alert threshold.
    const send = async (tokens: number) => {
      const { json } = await otlpBodies([{ name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: tokens, output_tokens: 0 }, { 'pnl.customer.id': 'cust_guard' }) }]);
      expect((await postTraces(svc.url, json, { 'content-type': 'application/json' })).status).toBe(200);
      await svc.service.core.writer.flush();
    };
    await send(6_000_000);
    expect(await guard.state('cust_guard')).toBe('alert');
    await send(1_000_000); // $1.05
    expect(await guard.state('cust_guard')).toBe('capped');
  });

  it('answers unknown, without throwing, when the service is unreachable', async () => {
    const guard = new BudgetGuard({ serviceUrl: 'http://127.0.0.1:9', timeoutMs: 500, logger: { warn: () => undefined } as never });
    expect(await guard.state('cust_guard')).toBe('unknown');
  });
});
