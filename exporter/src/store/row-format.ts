import type { AgentRun, LlmCall, Outcome } from '../model/llm-call.js';
import type { PricedCall } from '../model/priced-call.js';
import { RowBinaryWriter } from './row-binary-writer.js';

/*
 * Rows go to ClickHouse as RowBinary, column by column in the order of the lists below. These
 * lists are the one place the code names the stored columns and their types; a test checks
 * them against the tables the migrations create.
 */

export type ColumnSpec = readonly [name: string, type: string];

const ATTRIBUTION_COLUMNS: readonly ColumnSpec[] = [
  ['start_time', "DateTime64(6, 'UTC')"],
  ['trace_id', 'FixedString(32)'],
  ['span_id', 'FixedString(16)'],
  ['parent_span_id', 'String'],
  ['run_id', 'String'],
  ['customer_id', 'String'],
  ['customer_tier', 'LowCardinality(String)'],
  ['organization_id', 'String'],
  ['product_id', 'LowCardinality(String)'],
  ['feature_id', 'LowCardinality(String)'],
  ['environment', 'LowCardinality(String)'],
  ['task_type', 'LowCardinality(String)'],
  ['session_id', 'String'],
  ['user_id', 'String'],
  ['service_name', 'LowCardinality(String)'],
  ['agent_name', 'LowCardinality(String)'],
];

export const LLM_CALL_COLUMNS: readonly ColumnSpec[] = [
  ...ATTRIBUTION_COLUMNS,
  ['operation', 'LowCardinality(String)'],
  ['provider', 'LowCardinality(String)'],
  ['request_model', 'LowCardinality(String)'],
  ['response_model', 'LowCardinality(String)'],
  ['attempt', 'UInt16'],
  ['attempt_reason', 'LowCardinality(String)'],
  ['input_tokens', 'UInt32'],
  ['input_tokens_reported', 'UInt32'],
  ['input_includes_cache', 'Bool'],
  ['cache_read_tokens', 'UInt32'],
  ['cache_write_tokens', 'UInt32'],
  ['output_tokens', 'UInt32'],
  ['reasoning_tokens', 'UInt32'],
  ['has_usage', 'Bool'],
  ['cost_input_usd', 'Nullable(Decimal(38, 12))'],
  ['cost_cache_read_usd', 'Nullable(Decimal(38, 12))'],
  ['cost_cache_write_usd', 'Nullable(Decimal(38, 12))'],
  ['cost_output_usd', 'Nullable(Decimal(38, 12))'],
  ['cost_request_usd', 'Nullable(Decimal(38, 12))'],
  ['cost_usd', 'Nullable(Decimal(38, 12))'],
  ['priced', 'Bool'],
  ['unpriced_reason', 'LowCardinality(String)'],
  ['price_id', 'LowCardinality(String)'],
  ['price_source', 'LowCardinality(String)'],
  ['status', 'LowCardinality(String)'],
  ['error_type', 'LowCardinality(String)'],
  ['duration_us', 'UInt64'],
  ['convention', 'LowCardinality(String)'],
  ['scope_name', 'LowCardinality(String)'],
  ['scope_version', 'LowCardinality(String)'],
  ['attributes', 'Map(LowCardinality(String), String)'],
  // Added by migration 010, so it comes last in the table.
  ['service_tier', 'LowCardinality(String)'],
];

export const AGENT_RUN_COLUMNS: readonly ColumnSpec[] = [
  ...ATTRIBUTION_COLUMNS,
  ['outcome', 'LowCardinality(String)'],
  ['status', 'LowCardinality(String)'],
  ['outcome_name', 'LowCardinality(String)'],
  ['outcome_value', 'Float64'],
  ['duration_us', 'UInt64'],
];

export const OUTCOME_COLUMNS: readonly ColumnSpec[] = [
  ['at', "DateTime64(6, 'UTC')"],
  ['trace_id', 'FixedString(32)'],
  ['span_id', 'FixedString(16)'],
  ['run_id', 'String'],
  ['customer_id', 'String'],
  ['feature_id', 'LowCardinality(String)'],
  ['name', 'LowCardinality(String)'],
  ['value', 'Float64'],
];

/** `name Type, ...` as the `structure` argument of ClickHouse's file() and input() functions. */
export function structureOf(columns: readonly ColumnSpec[]): string {
  return columns.map(([name, type]) => `${name} ${type}`).join(', ');
}

function writeAttribution(w: RowBinaryWriter, c: LlmCall | AgentRun): void {
  w.uint64(c.startTimeUs);
  w.fixedString(c.traceId, 32);
  w.fixedString(c.spanId, 16);
  w.string(c.parentSpanId);
  w.string(c.runId);
  w.string(c.customerId);
  w.string(c.customerTier);
  w.string(c.organizationId);
  w.string(c.productId);
  w.string(c.featureId);
  w.string(c.environment);
  w.string(c.taskType);
  w.string(c.sessionId);
  w.string(c.userId);
  w.string(c.serviceName);
  w.string(c.agentName);
}

/** Appends one `pnl.llm_calls` row. Costs are pico-dollars, which is Decimal(38, 12)'s scaled integer. */
export function writeLlmCall(w: RowBinaryWriter, p: PricedCall): void {
  const c = p.call;
  const u = c.usage;
  const cost = p.cost;
  writeAttribution(w, c);
  w.string(c.operation);
  w.string(c.provider);
  w.string(c.requestModel);
  w.string(c.responseModel);
  w.uint16(c.attempt);
  w.string(c.attemptReason);
  w.uint32(u.inputUncached);
  w.uint32(u.inputReported);
  w.bool(c.inputIncludesCache);
  w.uint32(u.cacheRead);
  w.uint32(u.cacheWrite);
  w.uint32(u.output);
  w.uint32(u.reasoning);
  w.bool(c.hasUsage);
  w.nullableDecimal128(cost ? cost.input : null);
  w.nullableDecimal128(cost ? cost.cacheRead : null);
  w.nullableDecimal128(cost ? cost.cacheWrite : null);
  w.nullableDecimal128(cost ? cost.output : null);
  w.nullableDecimal128(cost ? cost.request : null);
  w.nullableDecimal128(cost ? cost.total : null);
  w.bool(cost !== null);
  w.string(p.unpricedReason);
  w.string(p.priceId);
  w.string(p.priceSource);
  w.string(c.status);
  w.string(c.errorType);
  w.uint64(c.durationUs);
  w.string(c.convention);
  w.string(c.scopeName);
  w.string(c.scopeVersion);
  w.stringMap(c.attributes);
  w.string(c.serviceTier);
}

/** Appends one `pnl.agent_runs` row. */
export function writeAgentRun(w: RowBinaryWriter, r: AgentRun): void {
  writeAttribution(w, r);
  w.string(r.outcome);
  w.string(r.status);
  w.string(r.outcomeName);
  w.float64(r.outcomeValue);
  w.uint64(r.durationUs);
}

/** Appends one `pnl.outcomes` row. */
export function writeOutcome(w: RowBinaryWriter, o: Outcome): void {
  w.uint64(o.atUs);
  w.fixedString(o.traceId, 32);
  w.fixedString(o.spanId, 16);
  w.string(o.runId);
  w.string(o.customerId);
  w.string(o.featureId);
  w.string(o.name);
  w.float64(o.value);
}
