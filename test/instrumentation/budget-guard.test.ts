import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BudgetGuard, budgetState, configureBudgetGuard, type Logger } from '../../instrumentation/src/index.js';
import { startLocalServer, type LocalServer } from './support/local-server.js';

interface Seen {
  url: string;
  authorization: string | undefined;
}

/** A stand-in for the service's budget API, answering from a table of customers. */
async function startBudgetApi(budgets: Record<string, unknown>): Promise<LocalServer & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await startLocalServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const match = /^\/api\/v1\/budgets\/([^/]+)$/.exec(req.url ?? '');
    const customer = match ? decodeURIComponent(match[1]!) : '';
    const body = budgets[customer];
    if (body === 'hang') return; // never answers
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found","message":"no budget"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  return Object.assign(server, { seen });
}

const budget = (customer: string, state: string, utilization: number) => ({
  customer,
  state,
  utilization,
  limit_usd: 100,
  spent_usd: utilization * 100,
  period_start: '2025-01-01T00:00:00Z',
  period_end: '2025-02-01T00:00:00Z',
});

function captureLogger(): Logger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, warn: (message) => messages.push(message) };
}

let api: LocalServer & { seen: Seen[] };
beforeEach(async () => {
  api = await startBudgetApi({
    cust_ok: budget('cust_ok', 'ok', 0.25),
    cust_warn: budget('cust_warn', 'warn', 0.72),
    cust_alert: budget('cust_alert', 'alert', 0.93),
    cust_capped: budget('cust_capped', 'capped', 1.04),
    'acme/eu west': budget('acme/eu west', 'ok', 0.1),
    cust_bad_state: { ...budget('cust_bad_state', 'ok', 0), state: 'exploded' },
    cust_not_json: '<html>proxy error</html>',
    cust_hang: 'hang',
  });
});
afterEach(async () => {
  await api.close();
});

describe('budget guard', () => {
  it.each([
    ['cust_ok', 'ok'],
    ['cust_warn', 'warn'],
    ['cust_alert', 'alert'],
    ['cust_capped', 'capped'],
  ])('returns the state the service reports for %s', async (customer, state) => {
    const guard = new BudgetGuard({ serviceUrl: api.url, logger: captureLogger() });
    expect(await guard.state(customer)).toBe(state);
  });

  it('returns the full status from the service', async () => {
    const guard = new BudgetGuard({ serviceUrl: `${api.url}/`, logger: captureLogger() });
    expect(await guard.status('cust_warn')).toEqual({
      customer: 'cust_warn',
      state: 'warn',
      utilization: 0.72,
      limitUsd: 100,
      spentUsd: 72,
      periodStart: '2025-01-01T00:00:00Z',
      periodEnd: '2025-02-01T00:00:00Z',
      source: 'service',
    });
    expect(api.seen.map((s) => s.url)).toEqual(['/api/v1/budgets/cust_warn']);
  });

  it('encodes the customer id in the path and sends the token', async () => {
    const guard = new BudgetGuard({ serviceUrl: api.url, token: 'viewer-token', logger: captureLogger() });
    expect(await guard.state('acme/eu west')).toBe('ok');
    expect(api.seen).toEqual([{ url: '/api/v1/budgets/acme%2Feu%20west', authorization: 'Bearer viewer-token' }]);
  });

  it('answers from the cache within the TTL and asks again after it', async () => {
    const guard = new BudgetGuard({ serviceUrl: api.url, ttlMs: 250, logger: captureLogger() });
    expect(await guard.state('cust_alert')).toBe('alert');
    expect((await guard.status('cust_alert')).source).toBe('cache');
    expect(await guard.state('cust_alert')).toBe('alert');
    expect(api.seen).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await guard.status('cust_alert')).source).toBe('service');
    expect(api.seen).toHaveLength(2);
  });

  it('shares one request among concurrent callers', async () => {
    const guard = new BudgetGuard({ serviceUrl: api.url, logger: captureLogger() });
    const states = await Promise.all(Array.from({ length: 10 }, () => guard.state('cust_capped')));
    expect(states).toEqual(Array(10).fill('capped'));
    expect(api.seen).toHaveLength(1);
  });

  it('forgets answers on clear()', async () => {
    const guard = new BudgetGuard({ serviceUrl: api.url, logger: captureLogger() });
    await guard.state('cust_ok');
    guard.clear();
    await guard.state('cust_ok');
    expect(api.seen).toHaveLength(2);
  });

  it('returns unknown and logs once when the service is unreachable', async () => {
    const closed = await startLocalServer(() => undefined);
    await closed.close();
    const logger = captureLogger();
    const guard = new BudgetGuard({ serviceUrl: closed.url, unknownTtlMs: 0, logger });
    const states = [await guard.state('cust_ok'), await guard.state('cust_warn'), await guard.state('cust_ok')];
    expect(states).toEqual(['unknown', 'unknown', 'unknown']);
    expect(await guard.status('cust_ok')).toMatchObject({ state: 'unknown', source: 'unavailable', utilization: null });
    expect(logger.messages).toHaveLength(1);
    expect(logger.messages[0]).toMatch(/^budget service unreachable or answered invalid JSON: fetch failed \(ECONNREFUSED\); budget state is "unknown"/);
  });

  it('gives up after the timeout instead of holding the request', async () => {
    const logger = captureLogger();
    const guard = new BudgetGuard({ serviceUrl: api.url, timeoutMs: 100, logger });
    const started = performance.now();
    expect(await guard.state('cust_hang')).toBe('unknown');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1_000);
    expect(logger.messages[0]).toMatch(/no answer within 100 ms/);
  });

  it('caches unknown briefly so an outage does not add a timeout to every request', async () => {
    const guard = new BudgetGuard({ serviceUrl: api.url, timeoutMs: 300, unknownTtlMs: 10_000, logger: captureLogger() });
    await guard.state('cust_hang');
    const started = performance.now();
    expect(await guard.state('cust_hang')).toBe('unknown');
    expect(performance.now() - started).toBeLessThan(150);
    expect(api.seen).toHaveLength(1);
  });

  it.each([
    ['cust_bad_state', /budget response has state "exploded"; expected ok, warn, alert or capped/],
    ['cust_not_json', /answered invalid JSON/],
    ['cust_missing', /answered HTTP 404 \(no budget for this customer, or serviceUrl is not the agentic-pnl service\)/],
  ])('treats a useless answer for %s as unknown and says why', async (customer, message) => {
    const logger = captureLogger();
    const guard = new BudgetGuard({ serviceUrl: api.url, logger });
    expect(await guard.state(customer)).toBe('unknown');
    expect(logger.messages).toHaveLength(1);
    expect(logger.messages[0]).toMatch(message);
  });

  it('logs again for a new outage after the service recovered', async () => {
    const logger = captureLogger();
    const guard = new BudgetGuard({ serviceUrl: api.url, ttlMs: 0, unknownTtlMs: 0, logger });
    await guard.state('cust_missing');
    await guard.state('cust_missing');
    await guard.state('cust_ok');
    await guard.state('cust_missing');
    expect(logger.messages).toHaveLength(2);
  });

  it('never throws, even for an empty customer id', async () => {
    const guard = new BudgetGuard({ serviceUrl: api.url, logger: captureLogger() });
    expect(await guard.state('')).toBe('unknown');
    expect(api.seen).toHaveLength(0);
  });

  it('keeps the cache bounded', async () => {
    const guard = new BudgetGuard({ serviceUrl: api.url, maxEntries: 2, logger: captureLogger() });
    await guard.state('cust_ok');
    await guard.state('cust_warn');
    await guard.state('cust_alert'); // evicts cust_ok
    await guard.state('cust_warn');
    await guard.state('cust_ok');
    expect(api.seen.map((s) => s.url.split('/').pop())).toEqual(['cust_ok', 'cust_warn', 'cust_alert', 'cust_ok']);
  });
});

describe('budgetState()', () => {
  it('uses the configured default guard', async () => {
    configureBudgetGuard({ serviceUrl: api.url, logger: captureLogger() });
    expect(await budgetState('cust_capped')).toBe('capped');
    expect(api.seen.map((s) => s.url)).toEqual(['/api/v1/budgets/cust_capped']);
  });

  it('finds the service from AGENTIC_PNL_SERVICE_URL', async () => {
    process.env['AGENTIC_PNL_SERVICE_URL'] = api.url;
    try {
      configureBudgetGuard({ logger: captureLogger() });
      expect(await budgetState('cust_warn')).toBe('warn');
    } finally {
      delete process.env['AGENTIC_PNL_SERVICE_URL'];
    }
  });
});
