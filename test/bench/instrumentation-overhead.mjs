// Time the attribution processor adds to one LLM-like span, side by side with the plain SDK.
//
// Run after building: npx tsc -b instrumentation && node --expose-gc test/bench/instrumentation-overhead.mjs
// Environment: SPANS (per round, default 51200), ROUNDS (default 11).
//
// Both variants use the same TracerProvider setup (BatchSpanProcessor into a counting
// exporter); the only difference is the AttributionSpanProcessor in front. Two references run
// in the same rounds: a contrib-style baggage processor, and the same 8 attributes passed to
// startSpan with no processor (what the SDK charges for 8 more attributes at all). Rounds
// rotate the variants' order so machine noise hits all alike. A second measurement times the
// processor's onStart alone on real SDK spans, which is steadier on a shared machine.
// Prints figures only; asserts nothing about time.

import { performance } from 'node:perf_hooks';
import { ROOT_CONTEXT, SpanKind, propagation, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { AttributionSpanProcessor, agentRun, attribution, attributionContext } from '../../instrumentation/dist/index.js';

const SPANS_PER_ROUND = Number(process.env.SPANS ?? 51_200);
const ROUNDS = Number(process.env.ROUNDS ?? 11);
const CHUNK = 256;

/** Exporter that only counts, so export cost does not blur the comparison. */
class CountingExporter {
  count = 0;
  export(spans, done) {
    this.count += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown() {
    return Promise.resolve();
  }
}

function makeProvider(processors) {
  const exporter = new CountingExporter();
  const exportProcessor = new BatchSpanProcessor({ exporter, maxQueueSize: 8_192, maxExportBatchSize: 512 });
  return new TracerProvider({ spanProcessors: [...processors, exportProcessor] });
}

// The context an LLM call sees inside an agent attempt: attribution plus run id and attempt
// markers in baggage (8 pnl entries), and one foreign entry the processor must skip.
function llmContext() {
  const ctx = attributionContext(
    attribution().customer('cust_0001').tier('pro').organization('org_001').feature('chat').environment('production'),
    ROOT_CONTEXT,
  );
  const bag = propagation
    .getBaggage(ctx)
    .setEntry('pnl.run.id', { value: '7d4f6c1e-6a55-4a8e-9a2f-3b8f0e1d2c3b' })
    .setEntry('pnl.attempt', { value: '1' })
    .setEntry('pnl.attempt.reason', { value: 'escalation' })
    .setEntry('upstream.flag', { value: 'x' });
  return propagation.setBaggage(ctx, bag);
}

// 15 attributes, as the OpenAI instrumentation (plus our usage enrichment) leaves on a chat span.
const START_OPTIONS = {
  kind: SpanKind.CLIENT,
  attributes: {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.system': 'openai',
    'server.address': 'api.openai.com',
    'server.port': 443,
    'gen_ai.request.temperature': 0.2,
    'gen_ai.request.max_tokens': 1024,
    'gen_ai.request.top_p': 1,
  },
};
// Reference: the caller passing the same 8 pnl attributes itself, no processor involved.
const START_OPTIONS_WITH_PNL = {
  ...START_OPTIONS,
  attributes: {
    ...START_OPTIONS.attributes,
    'pnl.customer.id': 'cust_0001',
    'pnl.customer.tier': 'pro',
    'pnl.organization.id': 'org_001',
    'pnl.feature.id': 'chat',
    'pnl.environment': 'production',
    'pnl.run.id': '7d4f6c1e-6a55-4a8e-9a2f-3b8f0e1d2c3b',
    'pnl.attempt': 1,
    'pnl.attempt.reason': 'escalation',
  },
};
function finishLlmSpan(span, i) {
  span.setAttribute('gen_ai.response.id', 'chatcmpl-abc123');
  span.setAttribute('gen_ai.response.model', 'gpt-4o-2024-08-06');
  span.setAttribute('gen_ai.response.finish_reasons', ['stop']);
  span.setAttribute('gen_ai.usage.input_tokens', 1200 + (i & 7));
  span.setAttribute('gen_ai.usage.output_tokens', 340);
  span.setAttribute('gen_ai.usage.cache_read.input_tokens', 1024);
  span.setAttribute('gen_ai.usage.reasoning.output_tokens', 256);
  span.end();
}

const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));

// Spans are made in chunks and only the chunks are timed; between chunks the event loop runs
// so the BatchSpanProcessor exports as it would in an app, instead of its queue filling up.
async function timeSpans(tracer, ctx, n, options = START_OPTIONS) {
  let elapsed = 0;
  for (let done = 0; done < n; done += CHUNK) {
    const started = performance.now();
    for (let i = 0; i < CHUNK; i++) finishLlmSpan(tracer.startSpan('chat gpt-4o', options, ctx), i);
    elapsed += performance.now() - started;
    await yieldToEventLoop();
  }
  return (elapsed * 1e6) / n;
}

// The processor's own cost: onStart on real SDK spans started without it, timed in batches.
async function timeOnStart(tracer, processor, ctx, n) {
  let elapsed = 0;
  const spans = new Array(CHUNK);
  for (let done = 0; done < n; done += CHUNK) {
    for (let i = 0; i < CHUNK; i++) spans[i] = tracer.startSpan('chat gpt-4o', START_OPTIONS, ctx);
    const started = performance.now();
    for (let i = 0; i < CHUNK; i++) processor.onStart(spans[i], ctx);
    elapsed += performance.now() - started;
    for (let i = 0; i < CHUNK; i++) finishLlmSpan(spans[i], i);
    await yieldToEventLoop();
  }
  return (elapsed * 1e6) / n;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const pct = (part, whole) => `${((part / whole) * 100).toFixed(1)} %`;

/**
 * For reference: the shape of the contrib BaggageSpanProcessor (filter all entries, set each),
 * which cannot be installed here (it depends on sdk-trace-base 2.x).
 */
class ContribStyleProcessor {
  onStart(span, parentContext) {
    (propagation.getBaggage(parentContext)?.getAllEntries() ?? [])
      .filter(([key]) => key.startsWith('pnl.'))
      .forEach(([key, entry]) => span.setAttribute(key, entry.value));
  }
  onEnd() {}
  forceFlush() {
    return Promise.resolve();
  }
  shutdown() {
    return Promise.resolve();
  }
}

const ctx = llmContext();
const tracers = {
  plain: makeProvider([]).getTracer('bench'),
  attribution: makeProvider([new AttributionSpanProcessor()]).getTracer('bench'),
  contribStyle: makeProvider([new ContribStyleProcessor()]).getTracer('bench'),
  explicitAttributes: makeProvider([]).getTracer('bench'),
};
const optionsFor = (name) => (name === 'explicitAttributes' ? START_OPTIONS_WITH_PNL : START_OPTIONS);

// Guard against measuring the wrong thing: only the attributed variant adds the 8 pnl keys.
for (const [name, expected] of [['plain', 0], ['attribution', 8], ['contribStyle', 8]]) {
  const span = tracers[name].startSpan('probe', {}, ctx);
  span.end();
  const count = Object.keys(span.attributes).filter((k) => k.startsWith('pnl.')).length;
  if (count !== expected) throw new Error(`benchmark setup is wrong: ${name} span has ${count} pnl attributes`);
}

for (const name of Object.keys(tracers)) await timeSpans(tracers[name], ctx, 20_480, optionsFor(name));

console.log(`attribution processor overhead: ${ROUNDS} alternating rounds x ${SPANS_PER_ROUND} spans`);
console.log('LLM-like span: 15 attributes; context baggage: 9 entries, 8 of them pnl.*');
const results = { plain: [], attribution: [], contribStyle: [], explicitAttributes: [] };
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order so warm-up and GC drift do not favour one variant.
  const names = Object.keys(results);
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) {
    globalThis.gc?.();
    results[name].push(await timeSpans(tracers[name], ctx, SPANS_PER_ROUND, optionsFor(name)));
  }
  const [p, a] = [results.plain.at(-1), results.attribution.at(-1)];
  console.log(`  round ${String(round + 1).padStart(2)}: plain ${p.toFixed(0)} ns/span, with attribution ${a.toFixed(0)} ns/span (${pct(a - p, p)})`);
}
const plainMedian = median(results.plain);
const attributedMedian = median(results.attribution);
const plainMin = Math.min(...results.plain);
const attributedMin = Math.min(...results.attribution);
console.log(`side by side, median: plain ${plainMedian.toFixed(0)}, with attribution ${attributedMedian.toFixed(0)} ns/span -> +${(attributedMedian - plainMedian).toFixed(0)} ns (${pct(attributedMedian - plainMedian, plainMedian)})`);
console.log(`side by side, best:   plain ${plainMin.toFixed(0)}, with attribution ${attributedMin.toFixed(0)} ns/span -> +${(attributedMin - plainMin).toFixed(0)} ns (${pct(attributedMin - plainMin, plainMin)})`);
const contribMedian = median(results.contribStyle);
console.log(`reference, contrib-style baggage processor, median: ${contribMedian.toFixed(0)} ns/span -> +${(contribMedian - plainMedian).toFixed(0)} ns (${pct(contribMedian - plainMedian, plainMedian)})`);
const explicitMedian = median(results.explicitAttributes);
console.log(`reference, same 8 attributes passed to startSpan, no processor, median: ${explicitMedian.toFixed(0)} ns/span -> +${(explicitMedian - plainMedian).toFixed(0)} ns (${pct(explicitMedian - plainMedian, plainMedian)})`);

const processor = new AttributionSpanProcessor();
const onStart = [];
for (let round = 0; round < ROUNDS; round++) {
  globalThis.gc?.();
  onStart.push(await timeOnStart(tracers.plain, processor, ctx, SPANS_PER_ROUND / 4));
}
const onStartMedian = median(onStart);
console.log(`processor onStart alone (8 setAttribute calls on a real span): median ${onStartMedian.toFixed(0)} ns, best ${Math.min(...onStart).toFixed(0)} ns`);
console.log(`  = ${pct(onStartMedian, plainMedian)} of the median plain span, ${pct(Math.min(...onStart), plainMin)} of the best plain span (target < 5 %)`);

// Whole-run cost for context: one agentRun with one attempt, no LLM call.
{
  trace.setGlobalTracerProvider(makeProvider([new AttributionSpanProcessor()]));
  const n = 5_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) await agentRun('bench-agent', (run) => run.attempt(() => undefined));
  console.log(`agentRun + one attempt: ${(((performance.now() - started) * 1e6) / n).toFixed(0)} ns/run (run span, baggage, async context)`);
}
