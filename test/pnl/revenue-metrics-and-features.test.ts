import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAttributes, postTraces } from '../helpers/otlp-payloads.js';
import { sdkSpans } from '../helpers/sdk-spans.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';

async function api<T>(svc: TestService, path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${svc.url}${path}`, { ...init, headers: { 'content-type': 'application/json' } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

describe('revenue metrics and feature economics', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc?.stop());

  it('computes MRR, NRR, GRR and who churned or expanded between two months', async () => {
    // October -> November 2026: a 100 -> 150 (expansion), b 200 -> 0 (churn), c 50 -> 40 (contraction), d new 30.
    const rows = [
      ['a', '2026-10-01', '2026-11-01', 100], ['a', '2026-11-01', '2026-12-01', 150],
      ['b', '2026-10-01', '2026-11-01', 200],
      ['c', '2026-10-01', '2026-11-01', 50], ['c', '2026-11-01', '2026-12-01', 40],
      ['d', '2026-11-01', '2026-12-01', 30],
    ].map(([customer, period_start, period_end, amount]) => ({ customer, period_start, period_end, amount }));
    await api(svc, '/api/v1/revenue', { method: 'PUT', body: JSON.stringify(rows) });
    const m = await api<Record<string, unknown>>(svc, '/api/v1/revenue/metrics?month=2026-11');
    // MRR = 150 + 40 + 30 = 220; start = 350; NRR = (350 + 50 - 10 - 200) / 350 = 54.2857%; GRR = (350 - 10 - 200) / 350 = 40%.
    expect(m).toMatchObject({ month: '2026-11', previousMonth: '2026-10', mrrUsd: 220, arrUsd: 2640, startingMrrUsd: 350, expansionMrrUsd: 50, contractionMrrUsd: 10, churnedMrrUsd: 200, newMrrUsd: 30 });
    expect(m['nrrPct']).toBeCloseTo((190 * 100) / 350, 10);
    expect(m['grrPct']).toBeCloseTo(40, 10);
    expect(m).toMatchObject({ newCustomers: ['d'], expandingCustomers: ['a'], churnedCustomers: ['b'] });
  });

  it('ranks features by cost per successful outcome in the summary', async () => {
    // chat: 2 calls of $0.15 and 1 outcome -> $0.30 per outcome; search: 1 call of $0.15, 3 outcomes -> $0.05.
    const calls = (feature: string, n: number) =>
      Array.from({ length: n }, () => ({ name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 1_000_000, output_tokens: 0 }, { 'pnl.feature.id': feature }) }));
    const outcomes = (feature: string, n: number) =>
      Array.from({ length: n }, () => ({ name: 'outcome ticket.resolved', attributes: { 'pnl.outcome.name': 'ticket.resolved', 'pnl.outcome.value': 1, 'pnl.customer.id': 'cust_acme', 'pnl.feature.id': feature } }));
    const spans = await sdkSpans([...calls('chat', 2), ...calls('search', 1), ...outcomes('chat', 1), ...outcomes('search', 3)]);
    expect((await postTraces(svc.url, Buffer.from(JsonTraceSerializer.serializeRequest(spans)!), { 'content-type': 'application/json' })).status).toBe(200);
    await svc.service.core.writer.flush();
    const summary = await api<{ features: Array<Record<string, unknown>> }>(svc, '/api/v1/summary');
    expect(summary.features.map((f) => [f['feature'], f['calls'], f['outcomes'], f['customers']])).toEqual([
      ['chat', 2, 1, 1],
      ['search', 1, 3, 1],
    ]);
    expect(summary.features[0]!['costPerOutcome']).toBeCloseTo(0.3, 12);
    expect(summary.features[1]!['costPerOutcome']).toBeCloseTo(0.05, 12);
  });
});

