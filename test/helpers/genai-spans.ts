import { ROOT_CONTEXT, SpanKind, trace, type Attributes, type TracerProvider } from '@opentelemetry/api';

/** The attribution every test call carries, as the instrumentation package would put it on spans. */
export const ACME = { 'pnl.customer.id': 'cust_acme', 'pnl.customer.tier': 'pro', 'pnl.feature.id': 'chat', 'pnl.run.id': 'run_42' };

/**
 * Two model calls as real emitters record them:
 * - OpenAI gpt-4o-mini through @opentelemetry/instrumentation-openai (deprecated gen_ai.system,
 *   input tokens include the 300 cached ones), plus our cache enrichment;
 * - Anthropic claude-sonnet-4 through the Anthropic SDK's own spans (input includes cache reads
 *   and writes, new cache-write key), as an escalation attempt.
 */
export function emitTwoCalls(provider: TracerProvider, extra: Attributes = {}): void {
  const openai = provider.getTracer('@opentelemetry/instrumentation-openai', '0.22.0');
  const anthropic = provider.getTracer('com.anthropic.sdk.typescript', '1.0.0');
  const a = openai.startSpan('chat gpt-4o-mini', {
    kind: SpanKind.CLIENT,
    attributes: {
      ...ACME, ...extra, 'pnl.attempt': 0,
      'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 200, 'gen_ai.usage.cache_read.input_tokens': 300,
    },
  }, ROOT_CONTEXT);
  a.end();
  const b = anthropic.startSpan('anthropic.messages.create', {
    kind: SpanKind.CLIENT,
    attributes: {
      ...ACME, ...extra, 'pnl.attempt': 1, 'pnl.attempt.reason': 'escalation',
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-20250514',
      'gen_ai.usage.input_tokens': 5000, 'gen_ai.usage.cache_read.input_tokens': 3000,
      'gen_ai.usage.cache_write.input_tokens': 1000, 'gen_ai.usage.output_tokens': 500,
    },
  }, trace.setSpan(ROOT_CONTEXT, a));
  b.end();
}

/*
 * Expected costs, from the providers' published prices per million tokens. One $/Mtok is
 * 1e6 pico-dollars per token, so the pico-dollar rates below are the published prices x 1e6.
 *   gpt-4o-mini:        input $0.15, cached input $0.075, output $0.60
 *   claude-sonnet-4:    input $3, cache read $0.30, cache write (5 min) $3.75, output $15
 */
const GPT_4O_MINI = { input: 150_000n, cacheRead: 75_000n, output: 600_000n };
const CLAUDE_SONNET_4 = { input: 3_000_000n, cacheRead: 300_000n, cacheWrite: 3_750_000n, output: 15_000_000n };
export const EXPECTED_PICO = {
  gpt4oMini: 700n * GPT_4O_MINI.input + 300n * GPT_4O_MINI.cacheRead + 200n * GPT_4O_MINI.output,
  claude: 1000n * CLAUDE_SONNET_4.input + 3000n * CLAUDE_SONNET_4.cacheRead + 1000n * CLAUDE_SONNET_4.cacheWrite + 500n * CLAUDE_SONNET_4.output,
};

/** Pico-dollars as the decimal text ClickHouse returns for Decimal(38, 12) (trailing zeros trimmed). */
export function picoText(p: bigint): string {
  const s = p.toString().padStart(13, '0');
  return `${s.slice(0, -12)}.${s.slice(-12)}`.replace(/0+$/, '').replace(/\.$/, '');
}
