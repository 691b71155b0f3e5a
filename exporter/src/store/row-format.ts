import type { AgentRun, LlmCall } from '../model/llm-call.js';
import type { PicoUsd, PricedCall } from '../model/priced-call.js';

/*
 * Rows are sent as JSONCompactEachRow arrays: positional, so no key is repeated per row, and
 * @clickhouse/client serializes them with one JSON.stringify each. The column lists below are
 * the single source of the column order.
 */

export const LLM_CALL_COLUMNS = [
  'start_time', 'trace_id', 'span_id', 'parent_span_id', 'run_id',
  'customer_id', 'customer_tier', 'organization_id', 'product_id', 'feature_id', 'environment', 'task_type',
  'session_id', 'user_id', 'service_name', 'agent_name', 'operation', 'provider', 'request_model', 'response_model',
  'attempt', 'attempt_reason',
  'input_tokens', 'input_tokens_reported', 'input_includes_cache', 'cache_read_tokens', 'cache_write_tokens',
  'output_tokens', 'reasoning_tokens', 'has_usage',
  'cost_input_usd', 'cost_cache_read_usd', 'cost_cache_write_usd', 'cost_output_usd', 'cost_request_usd', 'cost_usd',
  'priced', 'unpriced_reason', 'price_id', 'price_source',
  'status', 'error_type', 'duration_us', 'convention', 'scope_name', 'scope_version', 'attributes',
] as const;

export const AGENT_RUN_COLUMNS = [
  'start_time', 'trace_id', 'span_id', 'parent_span_id', 'run_id',
  'customer_id', 'customer_tier', 'organization_id', 'product_id', 'feature_id', 'environment', 'task_type',
  'session_id', 'user_id', 'service_name', 'agent_name', 'outcome', 'status', 'outcome_name', 'outcome_value', 'duration_us',
] as const;

type Cell = string | number | boolean | null | Record<string, string>;

/** Integer microseconds to the `seconds.micros` text ClickHouse parses into DateTime64(6) exactly. */
export function microsToDateTime64(us: number): string {
  const sec = Math.floor(us / 1_000_000);
  const frac = us - sec * 1_000_000;
  return `${sec}.${String(frac).padStart(6, '0')}`;
}

/** Pico-dollars to an exact decimal string with 12 fraction digits (Decimal(38, 12)). */
export function picoToDecimal(p: PicoUsd): string {
  const neg = p < 0n;
  const digits = (neg ? -p : p).toString().padStart(13, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -12)}.${digits.slice(-12)}`;
}

function attributionCells(c: LlmCall | AgentRun): Cell[] {
  return [
    microsToDateTime64(c.startTimeUs), c.traceId, c.spanId, c.parentSpanId, c.runId,
    c.customerId, c.customerTier, c.organizationId, c.productId, c.featureId, c.environment, c.taskType,
    c.sessionId, c.userId, c.serviceName, c.agentName,
  ];
}

/** One `pnl.llm_calls` row, in LLM_CALL_COLUMNS order. */
export function llmCallRow(p: PricedCall): Cell[] {
  const c = p.call;
  const u = c.usage;
  const cost = p.cost;
  return [
    ...attributionCells(c),
    c.operation, c.provider, c.requestModel, c.responseModel,
    c.attempt, c.attemptReason,
    u.inputUncached, u.inputReported, c.inputIncludesCache, u.cacheRead, u.cacheWrite, u.output, u.reasoning, c.hasUsage,
    cost ? picoToDecimal(cost.input) : null,
    cost ? picoToDecimal(cost.cacheRead) : null,
    cost ? picoToDecimal(cost.cacheWrite) : null,
    cost ? picoToDecimal(cost.output) : null,
    cost ? picoToDecimal(cost.request) : null,
    cost ? picoToDecimal(cost.total) : null,
    cost !== null, p.unpricedReason, p.priceId, p.priceSource,
    c.status, c.errorType, c.durationUs, c.convention, c.scopeName, c.scopeVersion, c.attributes,
  ];
}

/** One `pnl.agent_runs` row, in AGENT_RUN_COLUMNS order. */
export function agentRunRow(r: AgentRun): Cell[] {
  return [...attributionCells(r), r.outcome, r.status, r.outcomeName, r.outcomeValue, r.durationUs];
}
