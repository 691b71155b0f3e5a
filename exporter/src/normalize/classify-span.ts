import type { Attributes, DecodedSpan } from '../model/decoded-span.js';

/** What a span is for pricing: one model call, an agent run, or neither. */
export type SpanClass = 'llm' | 'run' | 'outcome' | 'ignore';

/** `gen_ai.operation.name` values of a single model call (current spec plus older emitters' spellings). */
const MODEL_OPERATIONS: ReadonlySet<string> = new Set([
  'chat',
  'text_completion',
  'generate_content',
  'embeddings',
  'completion',
  'embedding',
]);

/** Operations whose spans wrap a whole run and often repeat their children's summed usage. */
const RUN_OPERATIONS: ReadonlySet<string> = new Set(['invoke_agent', 'invoke_workflow']);

/** OpenLLMetry's pre-GenAI `llm.request.type` values of a model call (`rerank` is not token-billed). */
const LEGACY_REQUEST_TYPES: ReadonlySet<string> = new Set(['chat', 'completion', 'embedding', 'embeddings']);

const ANTHROPIC_SDK_SCOPE = 'com.anthropic.sdk.typescript';

/**
 * Decides whether a span is priced. Only spans of one model call are `llm`; parents that repeat
 * the summed usage of their children (AI SDK `ai.generateText`, `invoke_agent`, workflows) are
 * `run` or `ignore`, never `llm`, so no token is counted twice. Reads at most a handful of keys.
 */
export function classifySpan(span: DecodedSpan): SpanClass {
  const attrs = span.attributes;
  const operation = attrs['gen_ai.operation.name'];
  if (typeof operation === 'string') {
    if (MODEL_OPERATIONS.has(operation)) return 'llm';
    if (RUN_OPERATIONS.has(operation)) return 'run';
    return runOrIgnore(attrs);
  }
  if (span.name.startsWith('invoke_agent')) return 'run';

  const openInferenceKind = attrs['openinference.span.kind'];
  if (typeof openInferenceKind === 'string') return classifyOpenInference(openInferenceKind, attrs);

  const aiOperationId = attrs['ai.operationId'];
  if (typeof aiOperationId === 'string') return isAiSdkModelCall(aiOperationId) ? 'llm' : runOrIgnore(attrs);

  if (attrs['traceloop.span.kind'] === 'agent') return 'run';
  const requestType = attrs['llm.request.type'];
  if (typeof requestType === 'string' && LEGACY_REQUEST_TYPES.has(requestType)) return 'llm';

  const langfuseType = attrs['langfuse.observation.type'];
  if (langfuseType === 'generation' || langfuseType === 'embedding') return 'llm';
  if (langfuseType === 'agent') return 'run';

  // The Anthropic SDK's own span, should a version omit the operation name.
  if (span.scopeName === ANTHROPIC_SDK_SCOPE && span.name === 'anthropic.messages.create') return 'llm';
  return runOrIgnore(attrs);
}

function classifyOpenInference(kind: string, attrs: Attributes): SpanClass {
  switch (kind) {
    case 'LLM':
    case 'EMBEDDING':
    case 'llm':
    case 'embedding':
      return 'llm';
    case 'AGENT':
    case 'agent':
      return 'run';
    default:
      return runOrIgnore(attrs);
  }
}

/** AI SDK legacy spans: only the provider calls (`ai.*.doGenerate|doStream|doEmbed`) are model calls. */
function isAiSdkModelCall(operationId: string): boolean {
  return operationId.endsWith('.doGenerate') || operationId.endsWith('.doStream') || operationId.endsWith('.doEmbed');
}

/**
 * Our own markers on spans that are not model calls: a span that states the outcome of its run
 * is the run; a span that records a business outcome (`recordOutcome`) is an outcome.
 */
function runOrIgnore(attrs: Attributes): SpanClass {
  const runId = attrs['pnl.run.id'];
  const outcome = attrs['pnl.run.outcome'];
  if (typeof runId === 'string' && runId !== '' && outcome !== undefined && outcome !== null) return 'run';
  const outcomeName = attrs['pnl.outcome.name'];
  return typeof outcomeName === 'string' && outcomeName !== '' ? 'outcome' : 'ignore';
}
