import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, sendApiError } from '../../exporter/src/api/api-error.js';
import { insightRoutes } from '../../exporter/src/api/insight-routes.js';
import { AnomalyDetector, type Anomaly } from '../../exporter/src/pnl/anomalies.js';
import type { CustomerReport } from '../../exporter/src/pnl/pnl-engine.js';
import { CHEAPER_MODEL_LADDER, cheaperModel, recommendSavings } from '../../exporter/src/pnl/recommendations.js';
import { postTraces } from '../helpers/otlp-payloads.js';
import { hex, llmCall } from '../helpers/records.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const JSON_CT = { 'content-type': 'application/json' };

/*
 * The detector's "now" is yesterday at 12:00 UTC: always in the past, inside every TTL, and far from a day
 * boundary, whenever the test runs. Its UTC day is TODAY; spans are backdated with explicit start times.
 */
const NOW_MS = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS + 12 * HOUR_MS;
const NOW = new Date(NOW_MS);
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const TODAY = day(NOW_MS);
const TOMORROW = day(NOW_MS + DAY_MS);

/*
 * Published prices per million tokens; one $/Mtok is 1e6 pico-dollars per token.
 *   gpt-4o:                  input $2.50, cached input $1.25, output $10
 *   gpt-4o-mini:             input $0.15, cached input $0.075, output $0.60
 *   claude-sonnet-4:         input $3, output $15
 *   claude-3-5-haiku-latest: input $0.80, output $4
 * 100,000 gpt-4o input tokens cost exactly $0.25, a binary-exact amount, so the spike's baseline is exact.
 */
const GPT_4O = { input: 2_500_000n, cacheRead: 1_250_000n, output: 10_000_000n };
const GPT_4O_MINI = { input: 150_000n, cacheRead: 75_000n, output: 600_000n };
const SONNET_4 = { input: 3_000_000n, output: 15_000_000n };
const HAIKU_3_5 = { input: 800_000n, output: 4_000_000n };
const usd = (pico: bigint): number => Number(pico) / 1e12;

interface CallSpec {
  customer: string;
  feature: string;
  model: string;
  provider?: string;
  /** Start time, ms since the epoch. */
  at: number;
  /** Reported input, cache reads included (the OTel GenAI convention). */
  input: number;
  output: number;
  cacheRead?: number;
  error?: boolean;
}

/** One OTLP/JSON span with an explicit start time (the SDK helpers stamp "now"). */
function otlpSpan(name: string, atMs: number, attributes: Record<string, string | number>, error = false) {
  const start = BigInt(atMs) * 1_000_000n;
  return {
    traceId: hex(16),
    spanId: hex(8),
    name,
    kind: 3,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 500_000_000n),
    attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } })),
    status: error ? { code: 2, message: 'upstream 500' } : {},
  };
}

function chat(c: CallSpec) {
  const attributes: Record<string, string | number> = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': c.provider ?? 'openai',
    'gen_ai.request.model': c.model,
    'gen_ai.usage.input_tokens': c.input,
    'gen_ai.usage.output_tokens': c.output,
    'pnl.customer.id': c.customer,
    'pnl.feature.id': c.feature,
  };
  if (c.cacheRead !== undefined) attributes['gen_ai.usage.cache_read.input_tokens'] = c.cacheRead;
  return otlpSpan(`chat ${c.model}`, c.at, attributes, c.error);
}

function outcome(customer: string, feature: string, at: number) {
  return otlpSpan('outcome ticket.resolved', at, { 'pnl.outcome.name': 'ticket.resolved', 'pnl.customer.id': customer, 'pnl.feature.id': feature });
}

const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

/** Every span of the scenario; each block is what one test is about. */
function scenario() {
  const gpt4o = (customer: string, feature: string, at: number) => chat({ customer, feature, model: 'gpt-4o', at, input: 100_000, output: 0 });
  const errorCall = (model: string, at: number, error: boolean) => chat({ customer: 'cust_err', feature: 'agent', model, at, input: 100, output: 10, error });
  return [
    // Cost spike: $0.25 on each of the 7 days before TODAY, then 3 calls ($0.75) on TODAY. A steady neighbour is not flagged.
    ...times(7, (k) => gpt4o('cust_spike', 'search', NOW_MS - (k + 1) * DAY_MS)),
    ...times(3, () => gpt4o('cust_spike', 'search', NOW_MS - 2 * HOUR_MS)),
    ...times(8, (k) => gpt4o('cust_steady', 'search', NOW_MS - k * DAY_MS - 2 * HOUR_MS)),
    // Cache hit rate 50 % yesterday, 25 % today on chat (drop 50 %); 50 % -> 45 % on faq (drop 10 %).
    chat({ customer: 'cust_cache', feature: 'chat', model: 'gpt-4o-mini', at: NOW_MS - DAY_MS, input: 1000, cacheRead: 500, output: 10 }),
    chat({ customer: 'cust_cache', feature: 'chat', model: 'gpt-4o-mini', at: NOW_MS - 3 * HOUR_MS, input: 1000, cacheRead: 250, output: 10 }),
    chat({ customer: 'cust_cache', feature: 'faq', model: 'gpt-4o-mini', at: NOW_MS - DAY_MS, input: 1000, cacheRead: 500, output: 10 }),
    chat({ customer: 'cust_cache', feature: 'faq', model: 'gpt-4o-mini', at: NOW_MS - 3 * HOUR_MS, input: 1000, cacheRead: 450, output: 10 }),
    // Error rate, window [NOW - 15 min, NOW). gpt-4.1-mini: 47 ok + 2 errors inside, 1 error exactly on the
    // start (included): 3 / 50 = 6 %. gpt-4o-mini: 49 ok + 1 error inside (2 %); an error exactly at NOW and
    // 10 errors 20 minutes ago are outside (with the one at NOW it would be 2 / 51 = 3.9 % and fire).
    ...times(47, () => errorCall('gpt-4.1-mini', NOW_MS - 5 * MINUTE_MS, false)),
    ...times(2, () => errorCall('gpt-4.1-mini', NOW_MS - 5 * MINUTE_MS, true)),
    errorCall('gpt-4.1-mini', NOW_MS - 15 * MINUTE_MS, true),
    ...times(49, () => errorCall('gpt-4o-mini', NOW_MS - 5 * MINUTE_MS, false)),
    errorCall('gpt-4o-mini', NOW_MS - 5 * MINUTE_MS, true),
    errorCall('gpt-4o-mini', NOW_MS, true),
    ...times(10, () => errorCall('gpt-4o-mini', NOW_MS - 20 * MINUTE_MS, true)),
    // Unit cost, target $0.125 per outcome on support: $0.25 for 1 outcome fires, $0.25 for 2 is on target.
    gpt4o('cust_unit', 'support', NOW_MS - HOUR_MS),
    outcome('cust_unit', 'support', NOW_MS - HOUR_MS),
    gpt4o('cust_unit2', 'support', NOW_MS - HOUR_MS),
    outcome('cust_unit2', 'support', NOW_MS - HOUR_MS),
    outcome('cust_unit2', 'support', NOW_MS - HOUR_MS),
    // Savings: small gpt-4o and claude-sonnet-4 calls; the two calls just over the size limits are not counted.
    ...times(20, () => chat({ customer: 'cust_small', feature: 'faq', model: 'gpt-4o', at: NOW_MS - 4 * HOUR_MS, input: 1200, cacheRead: 400, output: 300 })),
    chat({ customer: 'cust_small', feature: 'faq', model: 'gpt-4o', at: NOW_MS - 4 * HOUR_MS, input: 2000, output: 500 }),
    chat({ customer: 'cust_small', feature: 'faq', model: 'gpt-4o', at: NOW_MS - 4 * HOUR_MS, input: 2001, output: 10 }),
    chat({ customer: 'cust_small', feature: 'faq', model: 'gpt-4o', at: NOW_MS - 4 * HOUR_MS, input: 100, output: 501 }),
    ...times(10, () =>
      chat({ customer: 'cust_small', feature: 'summarize', provider: 'anthropic', model: 'claude-sonnet-4-20250514', at: NOW_MS - 4 * HOUR_MS, input: 1000, output: 100 }),
    ),
  ];
}

async function send(svc: TestService, spans: ReturnType<typeof scenario>): Promise<void> {
  const body = JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'insights-test' } }] }, scopeSpans: [{ scope: { name: 'insights-test' }, spans }] }],
  });
  const res = await postTraces(svc.url, body, JSON_CT);
  expect(res.status).toBe(200);
  await svc.service.core.writer.flush();
}

const windowOfNow = { start: new Date(NOW_MS - 15 * MINUTE_MS).toISOString(), end: NOW.toISOString() };

const EXPECTED_ANOMALIES: Anomaly[] = [
  {
    kind: 'cost_spike', customer: 'cust_spike', feature: 'search', model: '', day: TODAY, window: null, value: 0.75, threshold: 0.5,
    message: `cust_spike / search cost $0.750000 on ${TODAY}, 3.00× its 7-day average of $0.250000 (limit 2×).`,
  },
  {
    kind: 'cache_hit_drop', customer: 'cust_cache', feature: 'chat', model: '', day: TODAY, window: null, value: 0.5, threshold: 0.2,
    message: `cust_cache / chat cache hit rate fell from 50.0% to 25.0% on ${TODAY}, a relative drop of 50.0% (limit 20.0%).`,
  },
  {
    kind: 'error_rate', customer: '', feature: '', model: 'gpt-4.1-mini', day: null, window: windowOfNow, value: 0.06, threshold: 0.03,
    message: `gpt-4.1-mini: 3 of 50 calls failed between ${windowOfNow.start} and ${windowOfNow.end} (6.0%, limit 3.0%).`,
  },
  {
    kind: 'unit_cost', customer: 'cust_unit', feature: 'support', model: '', day: TODAY, window: null, value: 0.25, threshold: 0.1625,
    message: `cust_unit / support cost $0.250000 per outcome on ${TODAY} (1 outcome, $0.250000), 100.0% over the target of $0.125000 (limit 30.0% over).`,
  },
];

/* 20 calls of 800 uncached + 400 cached input and 300 output, and 1 call of 2,000 input and 500 output. */
const FAQ_TOKENS = { input: 20 * 800 + 2000, cacheRead: 20 * 400, cacheWrite: 0, output: 20 * 300 + 500, reasoning: 0 };
const faqCost = (p: { input: bigint; cacheRead: bigint; output: bigint }): bigint =>
  BigInt(FAQ_TOKENS.input) * p.input + BigInt(FAQ_TOKENS.cacheRead) * p.cacheRead + BigInt(FAQ_TOKENS.output) * p.output;
/* 10 calls of 1,000 input and 100 output. */
const SUMMARIZE_TOKENS = { input: 10_000, cacheRead: 0, cacheWrite: 0, output: 1_000, reasoning: 0 };
const summarizeCost = (p: { input: bigint; output: bigint }): bigint => BigInt(SUMMARIZE_TOKENS.input) * p.input + BigInt(SUMMARIZE_TOKENS.output) * p.output;

const EXPECTED_RECOMMENDATIONS = [
  {
    customer: 'cust_small', feature: 'faq', provider: 'openai', model: 'gpt-4o', candidateModel: 'gpt-4o-mini', candidatePriceId: 'catalog:openai/gpt-4o-mini',
    calls: 21, tokens: FAQ_TOKENS,
    currentCostUsd: usd(faqCost(GPT_4O)), // $0.12
    candidateCostUsd: usd(faqCost(GPT_4O_MINI)), // $0.0072
    savingUsd: usd(faqCost(GPT_4O) - faqCost(GPT_4O_MINI)), // $0.1128
  },
  {
    customer: 'cust_small', feature: 'summarize', provider: 'anthropic', model: 'claude-sonnet-4-20250514', candidateModel: 'claude-3-5-haiku-latest',
    candidatePriceId: 'catalog:anthropic/claude-3-5-haiku-latest', calls: 10, tokens: SUMMARIZE_TOKENS,
    currentCostUsd: usd(summarizeCost(SONNET_4)), // $0.045
    candidateCostUsd: usd(summarizeCost(HAIKU_3_5)), // $0.012
    savingUsd: usd(summarizeCost(SONNET_4) - summarizeCost(HAIKU_3_5)), // $0.033
  },
];

describe('anomalies and savings recommendations on real ingested calls', () => {
  let svc: TestService;
  let sent = 0;
  beforeAll(async () => {
    svc = await startTestService();
    const spans = scenario();
    sent = spans.filter((s) => s.name.startsWith('chat ')).length;
    await send(svc, spans);
  });
  afterAll(() => svc?.stop());

  it('stores every call of the scenario', async () => {
    const [row] = await svc.service.core.store.select<{ n: string }>('SELECT count() AS n FROM pnl.llm_calls');
    expect(Number(row!.n)).toBe(sent);
  });

  it('reports the cost spike, cache-hit drop, error-rate breach and unit-cost breach with exact numbers, and nothing else', async () => {
    const detector = new AnomalyDetector(svc.service.core.store, { unitCostTargets: { support: 0.125 } });
    expect(await detector.detect(NOW)).toEqual(EXPECTED_ANOMALIES);
  });

  it('skips the unit-cost rule when no targets are configured', async () => {
    const detector = new AnomalyDetector(svc.service.core.store);
    expect(await detector.detect(NOW)).toEqual(EXPECTED_ANOMALIES.filter((a) => a.kind !== 'unit_cost'));
  });

  it('judges only the day of now: the spike is not news the day after', async () => {
    const detector = new AnomalyDetector(svc.service.core.store, { unitCostTargets: { support: 0.125 } });
    expect(await detector.detect(new Date(NOW_MS + DAY_MS))).toEqual([]);
  });

  it('recommends the cheaper model for small calls with the exact saving, largest first', async () => {
    const recs = await recommendSavings(svc.service.core.store, svc.service.core.priceBook, { from: TODAY, to: TOMORROW });
    expect(recs.map(({ message: _m, ...r }) => r)).toEqual(EXPECTED_RECOMMENDATIONS);
    expect(recs[0]!.savingUsd).toBe(0.1128);
    expect(recs[0]!.message).toBe(
      `cust_small / faq: 21 small calls on openai gpt-4o cost $0.120000 from ${TODAY} to ${TOMORROW} (exclusive); on gpt-4o-mini they would cost $0.007200, saving $0.112800.`,
    );
    expect(await recommendSavings(svc.service.core.store, svc.service.core.priceBook, { from: TOMORROW, to: day(NOW_MS + 2 * DAY_MS) })).toEqual([]);
  });

  it('steps down only within the same provider, and every candidate prices in the catalog', () => {
    const cases: Array<[string, string, string | null]> = [
      ['openai', 'gpt-4o', 'gpt-4o-mini'],
      ['openai', 'gpt-4o-2024-08-06', 'gpt-4o-mini'],
      ['openai', 'gpt-4o-mini', null],
      ['openai', 'gpt-4.1', 'gpt-4.1-mini'],
      ['openai', 'gpt-4.1-mini', null],
      ['openai', 'o3', 'o4-mini'],
      ['openai', 'o3-mini', null],
      ['azure', 'gpt-4o', null],
      ['anthropic', 'claude-opus-4-1-20250805', 'claude-sonnet-4-5'],
      ['anthropic', 'claude-sonnet-4-20250514', 'claude-3-5-haiku-latest'],
      ['anthropic', 'claude-3-5-haiku-latest', null],
      ['google', 'gemini-2.5-pro', 'gemini-2.5-flash'],
      ['google', 'gemini-2.5-flash', null],
    ];
    expect(cases.map(([p, m]) => cheaperModel(p, m))).toEqual(cases.map(([, , want]) => want));
    for (const step of CHEAPER_MODEL_LADDER) {
      const rated = svc.service.core.priceBook.rate(llmCall({ provider: step.provider, requestModel: step.to, responseModel: '', startTimeUs: NOW_MS * 1000 }));
      expect(rated.priceId, `${step.provider}/${step.to}`).toMatch(new RegExp(`^catalog:${step.provider}/`));
    }
  });

  it('serves both lists over HTTP and rejects an invalid period with a 400', async () => {
    const core = svc.service.core;
    const app = express();
    app.use(insightRoutes(new AnomalyDetector(core.store), core.store, () => core.priceBook));
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      if (err instanceof ApiError) sendApiError(res, err);
      else res.status(500).json({ error: { code: 'internal', message: err.message } });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const recs = await fetch(`${base}/api/v1/recommendations?from=${TODAY}&to=${TOMORROW}`);
      expect(recs.status).toBe(200);
      const body = (await recs.json()) as { recommendations: Array<Record<string, unknown>> };
      expect(body.recommendations.map(({ message: _m, ...r }) => r)).toEqual(EXPECTED_RECOMMENDATIONS);
      // The real clock's day and last 15 minutes hold no calls of the scenario.
      const anomalies = await fetch(`${base}/api/v1/anomalies`);
      expect({ status: anomalies.status, body: await anomalies.json() }).toEqual({ status: 200, body: { anomalies: [] } });
      const bad = await fetch(`${base}/api/v1/recommendations?from=2026-13-01`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('from') });
    } finally {
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    }
  });
});

describe('month-end forecast on real ingested calls', () => {
  it("counts complete days only: today's partial day is neither a day of the mean nor spent yet", async () => {
    const svc = await startTestService();
    try {
      // $0.25 on 1 March (100k gpt-4o input tokens at $2.50/M); $0.025 so far on 2 March, at 00:10.
      const call = (at: string, input: number) => chat({ customer: 'cust_forecast', feature: 'chat', model: 'gpt-4o', at: Date.parse(at), input, output: 0 });
      await send(svc, [call('2026-03-01T12:00:00Z', 100_000), call('2026-03-02T00:10:00Z', 10_000)]);
      const forecast = async (now: string) => (await svc.service.engine.forecasts(new Date(now))).find((f) => f.customer === 'cust_forecast')?.forecast;
      const early = await forecast('2026-03-02T00:30:00Z');
      expect(early).toMatchObject({ observedDays: 1, remainingDays: 30 });
      expect(early!.spentUsd).toBeCloseTo(0.25, 12);
      expect(early!.projectedCostUsd).toBeCloseTo(0.25 * 31, 9);
      // On the 1st no day is complete yet: no forecast.
      expect(await forecast('2026-03-01T18:00:00Z')).toBeUndefined();
    } finally {
      await svc.stop();
    }
  });
});

describe('trend on real ingested calls', () => {
  it("sets the current month's cost so far against its revenue so far, not the whole month's", async () => {
    const svc = await startTestService({ tierPrices: JSON.stringify({ pro: 99 }) });
    try {
      // $0.25 a day (100k gpt-4o input tokens) on every day of February and on 1-3 March 2026, tier pro ($99 a month).
      const day = (d: string) => {
        const span = chat({ customer: 'cust_trend', feature: 'chat', model: 'gpt-4o', at: Date.parse(`${d}T12:00:00Z`), input: 100_000, output: 0 });
        span.attributes.push({ key: 'pnl.customer.tier', value: { stringValue: 'pro' } });
        return span;
      };
      const days = [...times(28, (i) => `2026-02-${String(i + 1).padStart(2, '0')}`), '2026-03-01', '2026-03-02', '2026-03-03'];
      await send(svc, days.map(day));
      const { periods } = await svc.service.engine.trend('cust_trend', 2, 'month', new Date('2026-03-03T18:00:00Z'));
      expect(periods.map((p) => p.period)).toEqual([{ from: '2026-02-01', to: '2026-03-01' }, { from: '2026-03-01', to: '2026-03-04' }]);
      const [february, march] = periods.map((p) => p.snapshot!) as [CustomerReport, CustomerReport];
      expect(february.revenueUsd).toBeCloseTo(99, 9);
      expect(march.revenueUsd).toBeCloseTo((99 * 3) / 31, 9);
      // Like for like: the same daily cost against the same daily revenue gives about the same margin.
      expect(march.grossMarginPct! - february.grossMarginPct!).toBeLessThan(1);
    } finally {
      await svc.stop();
    }
  });
});
