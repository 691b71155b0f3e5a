import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admission } from '../../exporter/src/server/admission.js';
import { postTraces } from '../helpers/otlp-payloads.js';
import { metricValue, startTestService, type TestService } from '../helpers/test-service.js';
import { PROTOBUF, uniqueRequests } from '../helpers/unique-requests.js';

describe('Admission', () => {
  it('admits up to the concurrency limit, then refuses with 429 until one leaves', () => {
    const a = new Admission({ maxConcurrent: 2, maxRssBytes: 0 });
    expect(a.enter()).toBeUndefined();
    expect(a.enter()).toBeUndefined();
    expect(a.enter()).toMatchObject({ status: 429, reason: 'too_many_requests', retryAfterSeconds: 1 });
    a.leave();
    expect(a.enter()).toBeUndefined();
    expect(a.active).toBe(2);
  });

  it('refuses with 503 above the memory ceiling', () => {
    let rss = 100;
    const a = new Admission({ maxConcurrent: 10, maxRssBytes: 150 }, () => rss);
    expect(a.enter()).toBeUndefined();
    rss = 151;
    expect(a.enter()).toMatchObject({ status: 503, reason: 'memory' });
  });
});

describe('overload on the running service', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ maxConcurrentRequests: 2 });
  });
  afterAll(() => svc.stop());

  it('answers 429 + Retry-After while the limit is held by slow senders, keeps /healthz and /metrics serving, and loses nothing retried', async () => {
    const reqs = uniqueRequests(4, 200);
    // Two senders start their requests and stall mid-body: they hold both slots.
    const slow = reqs.slice(0, 2).map((r) => {
      const req = http.request(`${svc.url}/v1/traces`, { method: 'POST', headers: { ...PROTOBUF, 'content-length': r.body.length } });
      const answered = new Promise<number>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
      });
      req.write(r.body.subarray(0, 100));
      return { req, answered, rest: r.body.subarray(100) };
    });
    await waitFor(async () => metricValue(await (await fetch(`${svc.url}/metrics`)).text(), 'pnl_otlp_requests_in_flight') === 2);

    const refused = await postTraces(svc.url, reqs[2]!.body, PROTOBUF);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.text).toMatch(/2 export requests are already in progress \(PNL_MAX_CONCURRENT_REQUESTS=2\)/);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metricValue(metrics, 'pnl_spans_rejected_total', { reason: 'too_many_requests' })).toBe(1);

    // The slow senders finish; their slots free up and the refused request is retried.
    for (const s of slow) s.req.end(s.rest);
    expect(await Promise.all(slow.map((s) => s.answered))).toEqual([200, 200]);
    expect((await postTraces(svc.url, reqs[2]!.body, PROTOBUF)).status).toBe(200);
    expect((await postTraces(svc.url, reqs[3]!.body, PROTOBUF)).status).toBe(200);
    await svc.service.core.writer.flush();
    const [r] = await svc.service.core.store.select<{ n: number; d: number }>('SELECT count() AS n, uniqExact(span_id) AS d FROM pnl.llm_calls');
    expect(r).toEqual({ n: 4 * 200, d: 4 * 200 });
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('memory ceiling on the running service', () => {
  it('refuses spans with 503 over PNL_MAX_RSS_BYTES while /metrics still answers', async () => {
    const svc = await startTestService({ maxRssBytes: 1 });
    try {
      const res = await postTraces(svc.url, uniqueRequests(1, 5)[0]!.body, PROTOBUF);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const metrics = await fetch(`${svc.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metricValue(await metrics.text(), 'pnl_spans_rejected_total', { reason: 'memory' })).toBe(1);
    } finally {
      await svc.stop();
    }
  });
});
