// Realistic LLM spans shaped like the SDK's ReadableSpan, so the official OTel serializers can
// encode them to OTLP protobuf and JSON. Used by the benchmarks (plain ESM: runs without a build step).
import { randomBytes } from 'node:crypto';

const MODELS = [
  ['openai', 'gpt-4o-mini'], ['openai', 'gpt-4o'], ['anthropic', 'claude-sonnet-4-20250514'],
  ['anthropic', 'claude-3-5-haiku-latest'], ['openai', 'o3-mini'], ['gcp.gemini', 'gemini-2.5-flash'],
];
const FEATURES = ['chat', 'summarize', 'triage', 'search', 'rewrite'];
const TIERS = ['free', 'pro', 'enterprise'];
const REASONS = ['retry', 'escalation', 'reexecution', 'fallback'];

/** Deterministic pseudo-random numbers, so runs are comparable. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

const resource = { attributes: { 'service.name': 'bench-agent', 'deployment.environment.name': 'prod' } };
const scope = { name: '@opentelemetry/instrumentation-openai', version: '0.22.0' };

/** One LLM call span with 15 attributes (OTel GenAI convention plus pnl.* attribution). */
export function llmSpan(rand, i, customers = 200) {
  const [provider, model] = MODELS[Math.floor(rand() * MODELS.length)];
  const input = 200 + Math.floor(rand() * 4000);
  const cached = rand() < 0.4 ? Math.floor(input * rand() * 0.8) : 0;
  const attempt = rand() < 0.15 ? 1 + Math.floor(rand() * 2) : 0;
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  const start = Date.now() - 5000 + (i % 1000);
  const attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': provider,
    'gen_ai.request.model': model,
    'gen_ai.response.model': model,
    'gen_ai.usage.input_tokens': input,
    'gen_ai.usage.output_tokens': 50 + Math.floor(rand() * 800),
    'gen_ai.usage.cache_read.input_tokens': cached,
    'gen_ai.request.temperature': 0.2,
    'gen_ai.response.finish_reasons': ['stop'],
    'pnl.customer.id': `cust_${Math.floor(rand() * customers)}`,
    'pnl.customer.tier': TIERS[Math.floor(rand() * TIERS.length)],
    'pnl.feature.id': FEATURES[Math.floor(rand() * FEATURES.length)],
    'pnl.run.id': `run_${i >> 2}`,
    'pnl.attempt': attempt,
    'pnl.attempt.reason': attempt > 0 ? REASONS[Math.floor(rand() * REASONS.length)] : '',
  };
  return {
    name: `chat ${model}`,
    kind: 2, // API SpanKind.CLIENT
    spanContext: () => ({ traceId, spanId, traceFlags: 1 }),
    parentSpanContext: { traceId, spanId: randomBytes(8).toString('hex'), traceFlags: 1 },
    startTime: [Math.floor(start / 1000), (start % 1000) * 1e6],
    endTime: [Math.floor(start / 1000) + 1, (start % 1000) * 1e6],
    duration: [1, 0],
    status: { code: 0 },
    attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** `count` requests of `perRequest` spans each. */
export function requests(count, perRequest, seed = 1) {
  const rand = rng(seed);
  const out = [];
  for (let r = 0; r < count; r++) {
    const spans = [];
    for (let i = 0; i < perRequest; i++) spans.push(llmSpan(rand, r * perRequest + i));
    out.push(spans);
  }
  return out;
}
