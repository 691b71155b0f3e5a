/**
 * Span attribute and baggage keys shared with the agentic-pnl exporter. The exporter reads
 * them from every span it receives, so they are a wire contract: never rename one.
 */
export const PNL_KEYS = {
  customerId: 'pnl.customer.id',
  customerTier: 'pnl.customer.tier',
  organizationId: 'pnl.organization.id',
  productId: 'pnl.product.id',
  featureId: 'pnl.feature.id',
  environment: 'pnl.environment',
  taskType: 'pnl.task.type',
  sessionId: 'pnl.session.id',
  /** Always a salted hash, never the raw user id or e-mail. */
  userId: 'pnl.user.id',
  requestId: 'pnl.request.id',
  runId: 'pnl.run.id',
  runOutcome: 'pnl.run.outcome',
  /** Count of attempts a run started; on the run span only (not part of baggage). */
  runAttempts: 'pnl.run.attempts',
  /** Integer, 0 = first attempt. */
  attempt: 'pnl.attempt',
  attemptReason: 'pnl.attempt.reason',
  outcomeName: 'pnl.outcome.name',
  outcomeValue: 'pnl.outcome.value',
} as const;

/** Prefix of user-defined attribution keys: `custom('cost_center', ..)` becomes `pnl.custom.cost_center`. */
export const PNL_CUSTOM_PREFIX = 'pnl.custom.';

/** Any key this package writes. */
export type PnlKey = (typeof PNL_KEYS)[keyof typeof PNL_KEYS];

/** Why an attempt repeats work that an earlier attempt already paid for. */
export type AttemptReason = 'retry' | 'escalation' | 'reexecution' | 'fallback';

/** Every valid {@link AttemptReason}, for runtime checks. */
export const ATTEMPT_REASONS: readonly AttemptReason[] = ['retry', 'escalation', 'reexecution', 'fallback'];

/** How an agent run ended. */
export type RunOutcome = 'success' | 'failure';

/** Keys a caller sets through attribution; run and attempt keys are owned by `agentRun()`. */
export const ATTRIBUTION_KEYS: ReadonlySet<string> = new Set<string>([
  PNL_KEYS.customerId,
  PNL_KEYS.customerTier,
  PNL_KEYS.organizationId,
  PNL_KEYS.productId,
  PNL_KEYS.featureId,
  PNL_KEYS.environment,
  PNL_KEYS.taskType,
  PNL_KEYS.sessionId,
  PNL_KEYS.userId,
  PNL_KEYS.requestId,
]);

/**
 * Baggage keys the attribution processor copies onto spans (plus `pnl.custom.*`). An explicit
 * set rather than "anything starting with pnl." so stray upstream baggage cannot invent keys
 * the exporter would then have to reject.
 */
export const PROPAGATED_KEYS: ReadonlySet<string> = new Set<string>([
  ...ATTRIBUTION_KEYS,
  PNL_KEYS.runId,
  PNL_KEYS.attempt,
  PNL_KEYS.attemptReason,
]);

/** GenAI semantic-convention keys this package writes or inspects. */
export const GEN_AI_KEYS = {
  operationName: 'gen_ai.operation.name',
  agentName: 'gen_ai.agent.name',
  agentId: 'gen_ai.agent.id',
  cacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  reasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
} as const;
