/** Why a call is not the first attempt of its run (`pnl.attempt.reason`). '' for a first attempt. */
export type AttemptReason = '' | 'retry' | 'escalation' | 'reexecution' | 'fallback';

/** Who and what caused a span: the `pnl.*` attribution keys, resolved from attributes, aliases and resource. */
export interface Attribution {
  customerId: string;
  customerTier: string;
  organizationId: string;
  productId: string;
  featureId: string;
  environment: string;
  taskType: string;
  sessionId: string;
  /** Already hashed by the instrumentation when personal; stored as received. */
  userId: string;
  runId: string;
  /** 0 = first attempt. */
  attempt: number;
  attemptReason: AttemptReason;
}

/** Token counts of one call, by how they are billed. All are non-negative integers. */
export interface TokenUsage {
  /** Input tokens as the emitter reported them (may or may not include cached tokens). */
  inputReported: number;
  /** Input tokens billed at the plain input rate: reported input minus cache reads and writes when the emitter included them. */
  inputUncached: number;
  cacheRead: number;
  cacheWrite: number;
  /** Output tokens, reasoning included (providers bill reasoning as output). */
  output: number;
  /** Reasoning tokens, a part of `output`, kept for analysis. */
  reasoning: number;
}

/**
 * One LLM model call, normalized from whichever span convention the emitter used.
 * This is what gets priced and stored as one `pnl.llm_calls` row.
 */
export interface LlmCall extends Attribution {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  startTimeUs: number;
  durationUs: number;
  /** Canonical provider id, as the price catalog names it (openai, anthropic, google, aws, azure, x-ai, ...). */
  provider: string;
  requestModel: string;
  responseModel: string;
  /** GenAI operation: chat, text_completion, generate_content, embeddings. */
  operation: string;
  /**
   * Service tier that served the call, canonical (`default`, `batch`, `priority`, `flex`, or another tier the
   * provider named), '' when the span did not say. Overrides can price tiers apart (`service_tier:`).
   */
  serviceTier: string;
  agentName: string;
  usage: TokenUsage;
  /** True when the reported input count included cached tokens (so they were subtracted to get `inputUncached`). */
  inputIncludesCache: boolean;
  /** False when the span carried no token counts at all; such a call is stored unpriced, never at $0. */
  hasUsage: boolean;
  /** 'ok', 'error' or 'unset' from the span status. */
  status: 'ok' | 'error' | 'unset';
  errorType: string;
  /** Which convention the normalizer recognised (otel-genai, openllmetry, openinference, vercel-ai, langfuse, openlit). */
  convention: string;
  scopeName: string;
  scopeVersion: string;
  serviceName: string;
  /** A bounded selection of other attributes, stringified (never prompt or completion text). */
  attributes: Record<string, string>;
}

/** One agent run (a GenAI `invoke_agent` or equivalent span), stored as one `pnl.agent_runs` row. */
export interface AgentRun extends Attribution {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  startTimeUs: number;
  durationUs: number;
  agentName: string;
  /** 'success' or 'failure' (from `pnl.run.outcome`, else the span status), or '' when unknown. */
  outcome: string;
  status: 'ok' | 'error' | 'unset';
  /** Business outcome recorded on the run (`pnl.outcome.name`), with its value. */
  outcomeName: string;
  outcomeValue: number;
  serviceName: string;
}

/** A business outcome (`outcome {name}` span from `recordOutcome`), stored as one `pnl.outcomes` row. */
export interface Outcome {
  traceId: string;
  spanId: string;
  runId: string;
  customerId: string;
  featureId: string;
  atUs: number;
  /** e.g. `ticket.resolved`. */
  name: string;
  value: number;
}

/** What the normalizer decided about one span. */
export type NormalizedSpan =
  | { kind: 'llm'; call: LlmCall }
  | { kind: 'run'; run: AgentRun }
  | { kind: 'outcome'; outcome: Outcome }
  | { kind: 'ignore' }
  | { kind: 'reject'; reason: RejectReason; message: string };

/** Why a span was refused. Used as the `reason` label of `pnl_spans_rejected_total`. */
export type RejectReason = 'invalid_usage' | 'invalid_ids' | 'invalid_time' | 'invalid_utf8' | 'id_too_long' | 'reserved_id';
