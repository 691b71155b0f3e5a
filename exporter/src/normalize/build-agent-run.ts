import type { AttrValue, DecodedSpan } from '../model/decoded-span.js';
import type { AgentRun } from '../model/llm-call.js';
import { firstStringAttr, stringAttr } from './attribute-values.js';
import type { CompiledOptions } from './compile-options.js';
import { readAttribution, resourceInfo } from './read-attribution.js';
import { scanAttributes } from './scan-attributes.js';
import { spanStatus } from './span-status.js';

const AGENT_NAME = ['gen_ai.agent.name', 'agent.name', 'traceloop.entity.name', 'ai.telemetry.functionId'];
const INVOKE_AGENT_PREFIX = 'invoke_agent ';

/** One agent run from its run span (`invoke_agent`, Traceloop agent, OpenInference AGENT, ...). */
export function buildAgentRun(span: DecodedSpan, options: CompiledOptions): AgentRun {
  const attrs = span.attributes;
  const status = spanStatus(span);
  const resource = resourceInfo(span.resource, options);
  const attribution = readAttribution(scanAttributes(attrs, options).attribution, resource.attribution);
  return {
    ...attribution,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    startTimeUs: span.startTimeUs,
    durationUs: span.endTimeUs - span.startTimeUs,
    agentName: agentNameOf(span),
    outcome: runOutcome(attrs['pnl.run.outcome'], status),
    status,
    outcomeName: stringAttr(attrs, 'pnl.outcome.name'),
    outcomeValue: outcomeValue(attrs['pnl.outcome.value']),
    serviceName: resource.serviceName,
  };
}

function agentNameOf(span: DecodedSpan): string {
  const named = firstStringAttr(span.attributes, AGENT_NAME);
  if (named !== '') return named;
  // OTel names run spans `invoke_agent {agent}`.
  return span.name.startsWith(INVOKE_AGENT_PREFIX) ? span.name.slice(INVOKE_AGENT_PREFIX.length) : '';
}

/** `pnl.run.outcome` when it is one of ours, else what the span status says ('' when unset). */
function runOutcome(value: AttrValue | undefined, status: 'ok' | 'error' | 'unset'): string {
  if (value === 'success' || value === 'failure') return value;
  if (status === 'error') return 'failure';
  return status === 'ok' ? 'success' : '';
}

/** `pnl.outcome.value` as a finite number (numeric strings accepted); 0 when absent or not a number. */
function outcomeValue(value: AttrValue | undefined): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : 0;
  return Number.isFinite(n) ? n : 0;
}
