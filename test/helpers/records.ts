import { randomBytes } from 'node:crypto';
import type { AgentRun, LlmCall } from '../../exporter/src/model/llm-call.js';
import type { CallCost, PricedCall } from '../../exporter/src/model/priced-call.js';

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

const attribution = {
  customerId: 'cust_acme',
  customerTier: 'pro',
  organizationId: 'org_1',
  productId: 'support',
  featureId: 'chat',
  environment: 'prod',
  taskType: 'triage',
  sessionId: 'sess_1',
  userId: 'u_hash',
  runId: 'run_1',
  attempt: 0,
  attemptReason: '' as const,
};

/** A complete LlmCall with sensible values; override what the test is about. */
export function llmCall(overrides: Partial<LlmCall> = {}): LlmCall {
  return {
    ...attribution,
    traceId: hex(16),
    spanId: hex(8),
    parentSpanId: hex(8),
    startTimeUs: Date.UTC(2026, 10, 20, 12, 0, 0) * 1000 + 123456,
    durationUs: 850_000,
    provider: 'openai',
    requestModel: 'gpt-4o-mini',
    responseModel: 'gpt-4o-mini-2024-07-18',
    operation: 'chat',
    serviceTier: '',
    agentName: 'triage-agent',
    usage: { inputReported: 1000, inputUncached: 700, cacheRead: 300, cacheWrite: 0, output: 200, reasoning: 0 },
    inputIncludesCache: true,
    hasUsage: true,
    status: 'ok',
    errorType: '',
    convention: 'otel-genai',
    scopeName: '@opentelemetry/instrumentation-openai',
    scopeVersion: '0.22.0',
    serviceName: 'support-bot',
    attributes: { 'gen_ai.request.temperature': '0.2' },
    ...overrides,
  };
}

/** Builds a CallCost from components in pico-dollars; total is their sum. */
export function cost(parts: Partial<Omit<CallCost, 'total'>>): CallCost {
  const c = { input: 0n, cacheRead: 0n, cacheWrite: 0n, output: 0n, request: 0n, ...parts };
  return { ...c, total: c.input + c.cacheRead + c.cacheWrite + c.output + c.request };
}

export function priced(call: LlmCall, callCost: CallCost | null, priceId = 'catalog:openai/gpt-4o-mini'): PricedCall {
  return callCost === null
    ? { call, cost: null, priceId: '', priceSource: '', unpricedReason: 'unknown_model' }
    : { call, cost: callCost, priceId, priceSource: 'catalog', unpricedReason: '' };
}

export function agentRun(overrides: Partial<AgentRun> = {}): AgentRun {
  return {
    ...attribution,
    traceId: hex(16),
    spanId: hex(8),
    parentSpanId: '',
    startTimeUs: Date.UTC(2026, 10, 20, 12, 0, 0) * 1000,
    durationUs: 2_000_000,
    agentName: 'triage-agent',
    outcome: 'success',
    status: 'ok',
    outcomeName: 'ticket.resolved',
    outcomeValue: 1,
    serviceName: 'support-bot',
    ...overrides,
  };
}
