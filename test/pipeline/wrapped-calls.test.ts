import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../exporter/src/config/config.js';
import { createLogger } from '../../exporter/src/log/logger.js';
import type { DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import { defaultNormalizeOptions } from '../../exporter/src/normalize/index.js';
import { IngestWorkers } from '../../exporter/src/pipeline/ingest-workers.js';
import { prepareSpans, type PreparedRequest } from '../../exporter/src/pipeline/prepare-spans.js';
import { WrappedCalls } from '../../exporter/src/pipeline/wrapped-calls.js';
import { loadPriceBook, type PriceBook } from '../../exporter/src/price/index.js';
import { decodedChatSpan } from '../helpers/decoded-chat-span.js';
import { postTraces } from '../helpers/otlp-payloads.js';
import { metricSum, metricValue, startTestService } from '../helpers/test-service.js';

/*
 * AI SDK 7's GenAI telemetry (vercel/ai packages/otel, open-telemetry.ts): `embedMany` makes a
 * root CLIENT span `embeddings <model>` with the total input tokens and, under it, one
 * `embeddings <model>` span per provider call with that call's tokens. Every gen_ai attribute
 * is the same on both levels; only the parent link tells them apart.
 */
const TRACE = '5bf92f3577b34da6a3ce929d0e0e4736';
const ROOT = 'a0f067aa0ba90001';
const APP = 'a0f067aa0ba90000';
/** An embeddings call span; `tokens` undefined = it reported no usage (no input token count at all). */
function embeddings(spanId: string, parentSpanId: string, tokens: number | undefined): DecodedSpan {
  const span = decodedChatSpan(
    {
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.usage.input_tokens': tokens ?? 0,
      'pnl.customer.id': 'cust_acme',
    },
    { traceId: TRACE, spanId, parentSpanId, name: 'embeddings text-embedding-3-small', scopeName: 'gen_ai' },
  );
  if (tokens === undefined) delete span.attributes['gen_ai.usage.input_tokens'];
  return span;
}
const chunkA = embeddings('a0f067aa0ba90002', ROOT, 10);
const chunkB = embeddings('a0f067aa0ba90003', ROOT, 20);
const root = embeddings(ROOT, APP, 30);

let priceBook: PriceBook;
beforeAll(async () => {
  priceBook = await loadPriceBook();
});
const prepare = (spans: DecodedSpan[], wrappedCalls: WrappedCalls | undefined): PreparedRequest =>
  prepareSpans(spans, { normalizeOptions: defaultNormalizeOptions(), priceBook, isKnown: () => false, wrappedCalls });
/** The span ids of the stored rows, in order (a dedup key starts with its span id). */
const stored = (p: PreparedRequest): string[] => p.encoded.keys.map((k) => k.slice(0, 16));
/** Input tokens and dollars in the metric sums (every span here has the same labels). */
const sums = (p: PreparedRequest): { input: number; usd: number } => ({ input: (p.tally.calls[2] as number | undefined) ?? 0, usd: (p.tally.calls[1] as number | undefined) ?? 0 });

describe('model-call spans that wrap another model call', () => {
  it('prices the provider calls of an AI SDK 7 embedMany, not its root that repeats their sum', () => {
    const p = prepare([chunkA, chunkB, root], new WrappedCalls());
    expect(stored(p)).toEqual([chunkA.spanId, chunkB.spanId]);
    expect(p.ignored).toBe(1);
    expect(p.wrappers).toBe(1);
    expect(p.encoded.callRows).toBe(2);
    expect(sums(p).input).toBe(30); // once, not 60
    expect(sums(p).usd).toBeCloseTo((30 * 0.02) / 1e6, 15); // $0.02 per million tokens
  });

  it('knows the root when it comes in a later request than its calls, and the calls of a wrapper over the root', () => {
    const wrapped = new WrappedCalls();
    expect(stored(prepare([chunkA, chunkB], wrapped))).toEqual([chunkA.spanId, chunkB.spanId]);
    const framework = embeddings(APP, '', 30); // e.g. a framework's own LLM span around the SDK call
    const p = prepare([root, framework], wrapped);
    expect(p.encoded.callRows).toBe(0);
    expect(p.ignored).toBe(2);
  });

  it('prices the wrapper when its call reported no tokens (the wrapper may be the only one with usage)', () => {
    const p = prepare([embeddings(chunkA.spanId, ROOT, undefined), root], new WrappedCalls());
    expect(stored(p)).toEqual([chunkA.spanId, ROOT]);
    expect(sums(p).input).toBe(30);
  });

  it('remembers parents for two generations of its size, then forgets them (bounded memory)', () => {
    const wrapped = new WrappedCalls(2);
    const call = (i: number, parent: string) => embeddings(`b0f067aa0ba9000${i}`, parent, 5);
    prepare([chunkA], wrapped); // parent ROOT: generation 1
    prepare([call(1, 'c0f067aa0ba90001'), call(2, 'c0f067aa0ba90002')], wrapped); // generation 1 full, then 2
    expect(prepare([root], wrapped).ignored).toBe(1); // still in the previous generation
    prepare([call(3, 'c0f067aa0ba90003'), call(4, 'c0f067aa0ba90004'), call(5, 'c0f067aa0ba90005')], wrapped);
    expect(prepare([{ ...root, spanId: chunkA.parentSpanId }], wrapped).ignored).toBe(0); // two generations on: forgotten
  });

  it('tells apart numbered ids, also ids that repeat one word (as load generators make them)', () => {
    const word = (n: number) => n.toString(16).padStart(8, '0');
    const spans = Array.from({ length: 2000 }, (_, n) =>
      embeddings(word(n + 1).repeat(2), word(n + 5001).repeat(2), 5),
    ).map((s, n) => ({ ...s, traceId: word(n + 1).repeat(4) }));
    const p = prepare(spans, new WrappedCalls());
    expect(p.ignored).toBe(0);
    expect(p.encoded.callRows).toBe(2000);
  });

  it('leaves spans of other traces alone, and every span without the memory (as before)', () => {
    const otherTrace = { ...root, traceId: '6bf92f3577b34da6a3ce929d0e0e4736' };
    expect(stored(prepare([chunkA, chunkB, otherTrace], new WrappedCalls()))).toEqual([chunkA.spanId, chunkB.spanId, ROOT]);
    expect(sums(prepare([chunkA, chunkB, root], undefined)).input).toBe(60);
  });
});

describe('in an ingest worker', () => {
  let workers: IngestWorkers;
  beforeAll(async () => {
    workers = await IngestWorkers.start(1, { config: loadConfig({}), hashSalt: 's' }, createLogger('silent'));
  });
  afterAll(async () => workers.close());

  it('remembers the calls of one request when their root comes in the next', async () => {
    const json = (spans: DecodedSpan[]): Buffer => Buffer.from(JSON.stringify(otlpJson(spans)));
    const first = await workers.prepare(json([chunkA, chunkB]), 'json');
    const second = await workers.prepare(json([root]), 'json');
    expect(first.encoded.callRows).toBe(2);
    expect(second.encoded.callRows).toBe(0);
    expect(second.ignored).toBe(1);
  });
});

describe('through the running service', () => {
  it('stores the provider calls of an embedMany once, and counts the root it left out', async () => {
    const svc = await startTestService();
    try {
      const res = await postTraces(svc.url, JSON.stringify(otlpJson([chunkA, chunkB, root])), { 'content-type': 'application/json' });
      expect(res.status).toBe(200);
      await svc.service.core.writer.flush();
      const rows = await svc.service.core.store.select<{ span_id: string; input_tokens: number }>('SELECT span_id, input_tokens FROM pnl.llm_calls ORDER BY span_id');
      expect(rows.map((r) => [r.span_id, Number(r.input_tokens)])).toEqual([
        [chunkA.spanId, 10],
        [chunkB.spanId, 20],
      ]);
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      expect(metricValue(text, 'pnl_llm_wrapper_spans_total')).toBe(1);
      expect(metricSum(text, 'pnl_llm_tokens_total', { kind: 'input' })).toBe(30);
    } finally {
      await svc.stop();
    }
  });
});

/** An OTLP/JSON request carrying the spans (one resource, one scope). */
function otlpJson(spans: DecodedSpan[]): unknown {
  const value = (v: unknown) => (typeof v === 'number' ? { intValue: v } : { stringValue: String(v) });
  return {
    resourceSpans: [
      {
        resource: { attributes: [] },
        scopeSpans: [
          {
            scope: { name: 'gen_ai' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId,
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: String(s.startTimeUs * 1000),
              endTimeUnixNano: String(s.endTimeUs * 1000),
              attributes: Object.entries(s.attributes)
                .filter(([, v]) => v !== undefined)
                .map(([key, v]) => ({ key, value: value(v) })),
            })),
          },
        ],
      },
    ],
  };
}
