import type { LlmCall, TokenUsage } from '../../exporter/src/model/llm-call.js';

/** Microseconds since the epoch of an ISO instant. */
export function us(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test date ${iso}`);
  return ms * 1000;
}

/** A normalized LLM call with neutral attribution; tests set only what pricing reads. */
export function llmCall(
  provider: string,
  model: string,
  usage: Partial<TokenUsage>,
  options: { at?: string; responseModel?: string; hasUsage?: boolean; serviceTier?: string } = {},
): LlmCall {
  const u: TokenUsage = { inputReported: 0, inputUncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0, ...usage };
  return {
    customerId: 'cust-1', customerTier: 'pro', organizationId: 'org-1', productId: 'prod', featureId: 'feat', environment: 'test',
    taskType: 'chat', sessionId: '', userId: '', runId: '', attempt: 0, attemptReason: '',
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', parentSpanId: '',
    startTimeUs: us(options.at ?? '2025-07-01T12:00:00Z'), durationUs: 1000,
    provider, requestModel: model, responseModel: options.responseModel ?? '', operation: 'chat', serviceTier: options.serviceTier ?? '', agentName: '',
    usage: u, inputIncludesCache: true, hasUsage: options.hasUsage ?? true, status: 'ok', errorType: '',
    convention: 'otel-genai', scopeName: 'test', scopeVersion: '0', serviceName: 'svc', attributes: {},
  };
}

/**
 * Expected pico-dollars for `tokens` at a published price written as a decimal literal in USD per million
 * tokens. Independent of the code under test: pico per token is the price with the decimal point moved six
 * places right (USD × 1e12 / 1e6), done on the digits.
 */
export function pico(tokens: number, usdPerMtok: string): bigint {
  const [whole = '0', frac = ''] = usdPerMtok.split('.');
  if (frac.length > 6) throw new Error(`test price ${usdPerMtok} is finer than pico per token`);
  return BigInt(tokens) * BigInt(whole + frac.padEnd(6, '0'));
}

/** Expected pico-dollars for a USD amount written as a decimal literal (per-call fees). */
export function picoUsd(usd: string): bigint {
  const [whole = '0', frac = ''] = usd.split('.');
  return BigInt(whole + frac.padEnd(12, '0'));
}
