import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { metricValue, startTestService, type TestService } from '../helpers/test-service.js';
import { readBody, startLocalServer, type LocalServer } from '../instrumentation/support/local-server.js';

/** The parts of an OTLP/JSON metrics request these checks read. */
interface OtlpKeyValue { key: string; value: { stringValue?: string } }
interface OtlpPoint { attributes: OtlpKeyValue[]; asDouble?: number; count?: number | string; sum?: number; bucketCounts?: Array<number | string>; explicitBounds?: number[] }
interface OtlpMetric { name: string; sum?: { dataPoints: OtlpPoint[]; isMonotonic: boolean; aggregationTemporality: number }; gauge?: { dataPoints: OtlpPoint[] }; histogram?: { dataPoints: OtlpPoint[] } }
interface OtlpRequest { resourceMetrics: Array<{ resource: { attributes: OtlpKeyValue[] }; scopeMetrics: Array<{ metrics: OtlpMetric[] }> }> }

const labelsOf = (p: OtlpPoint): Record<string, string> => Object.fromEntries(p.attributes.map((a) => [a.key, a.value.stringValue ?? '']));
const metricsOf = (r: OtlpRequest): OtlpMetric[] => r.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics));

// A collector stand-in: a local receiver that records what the service pushes (no Collector runs here).
describe('metrics pushed over OTLP (PNL_OTLP_METRICS_URL)', () => {
  let receiver: LocalServer;
  const received: OtlpRequest[] = [];
  let svc: TestService;
  const labels = { customer: 'cust_push', feature: 'chat', provider: 'openai', model: 'gpt-4o-mini' };

  beforeAll(async () => {
    receiver = await startLocalServer((req, res) => {
      void readBody(req).then((raw) => {
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        if (req.url === '/v1/metrics') received.push(JSON.parse(body.toString('utf8')) as OtlpRequest);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    svc = await startTestService({ otlpMetricsUrl: `${receiver.url}/v1/metrics`, otlpMetricsIntervalMs: 200 });
    const { proto } = await otlpBodies([
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 1_000_000, output_tokens: 0 }, { 'pnl.customer.id': 'cust_push' }) },
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 1_000_000, output_tokens: 0 }, { 'pnl.customer.id': 'cust_push' }) },
    ]);
    expect((await postTraces(svc.url, proto, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
  });
  afterAll(async () => {
    await svc?.stop();
    await receiver?.close();
  });

  /** The newest pushed request in which `find` finds something, waiting for one up to 10 s. */
  async function pushed<T>(find: (r: OtlpRequest) => T | undefined): Promise<T> {
    for (let i = 0; i < 200; i++) {
      for (let j = received.length - 1; j >= 0; j--) {
        const hit = find(received[j]!);
        if (hit !== undefined) return hit;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nothing matching pushed in 10 s (${received.length} requests received)`);
  }

  it('pushes the counters as cumulative monotonic sums, without the _total suffix, equal to /metrics', async () => {
    // 2 x 1M input tokens of gpt-4o-mini at $0.15 per million.
    const cost = await pushed((r) => metricsOf(r).find((m) => m.name === 'pnl_llm_cost_usd')?.sum?.dataPoints.find((p) => labelsOf(p)['customer'] === 'cust_push' && p.asDouble !== undefined && p.asDouble > 0));
    expect(cost.asDouble).toBeCloseTo(0.3, 12);
    expect(labelsOf(cost)).toEqual(labels);
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metricValue(text, 'pnl_llm_cost_usd_total', labels)).toBeCloseTo(cost.asDouble!, 12);
    const sum = await pushed((r) => metricsOf(r).find((m) => m.name === 'pnl_llm_calls')?.sum);
    expect(sum).toMatchObject({ isMonotonic: true, aggregationTemporality: 2 });
    const resource = received[0]!.resourceMetrics[0]!.resource.attributes.find((a) => a.key === 'service.name');
    expect(resource?.value.stringValue).toBe('agentic-pnl');
  });

  it('pushes histograms with their bounds and per-bucket counts, and gauges', async () => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    const count = metricValue(text, 'pnl_ingest_lag_seconds_count');
    expect(count).toBe(2);
    const lag = await pushed((r) => metricsOf(r).find((m) => m.name === 'pnl_ingest_lag_seconds')?.histogram?.dataPoints.find((p) => Number(p.count) === 2));
    const bounds = [...text.matchAll(/^pnl_ingest_lag_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])] as const);
    expect(lag.explicitBounds).toEqual(bounds.filter(([le]) => le !== '+Inf').map(([le]) => Number(le)));
    // Cumulative in the exposition, per bucket over OTLP.
    const cumulative = lag.bucketCounts!.map(Number).reduce<number[]>((acc, n) => [...acc, (acc.at(-1) ?? 0) + n], []);
    expect(cumulative).toEqual(bounds.map(([, n]) => n));
    const spool = await pushed((r) => metricsOf(r).find((m) => m.name === 'pnl_spool_bytes' && m.gauge !== undefined));
    expect(spool.gauge!.dataPoints).toHaveLength(1);
  });

  it('pushes once more when the service stops', async () => {
    const before = received.length;
    await svc.stop({ keepData: false });
    expect(received.length).toBeGreaterThan(before);
  });
});

describe('an OTLP metrics endpoint that never answers', () => {
  it('does not keep the stop from finishing and writing the rows (the last push gives up)', async () => {
    const silent = await startLocalServer(() => undefined); // reads nothing, answers nothing
    const svc = await startTestService({ otlpMetricsUrl: `${silent.url}/v1/metrics`, otlpMetricsIntervalMs: 60_000 });
    try {
      const { proto } = await otlpBodies([{ name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 10, output_tokens: 1 }, { 'pnl.customer.id': 'cust_push_silent' }) }]);
      expect((await postTraces(svc.url, proto, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
      await svc.stop({ keepData: true });
      const again = await startTestService({}, svc.dataDir);
      try {
        expect(await again.service.core.store.select("SELECT count() AS n FROM pnl.llm_calls WHERE customer_id = 'cust_push_silent'")).toEqual([{ n: 1 }]);
      } finally {
        await again.stop();
      }
    } finally {
      await silent.close();
    }
  }, 20_000);
});
