/**
 * Our attribution keys, as `@agentic-pnl/instrumentation` sets them on spans (and carries them
 * in baggage). Each is read first; the aliases configured for it are read after it.
 */
export const ATTRIBUTION_KEYS = {
  customerId: 'pnl.customer.id',
  customerTier: 'pnl.customer.tier',
  organizationId: 'pnl.organization.id',
  productId: 'pnl.product.id',
  featureId: 'pnl.feature.id',
  environment: 'pnl.environment',
  taskType: 'pnl.task.type',
  sessionId: 'pnl.session.id',
  userId: 'pnl.user.id',
  runId: 'pnl.run.id',
  attempt: 'pnl.attempt',
  attemptReason: 'pnl.attempt.reason',
} as const;

/** A field of `Attribution`, named as in the model. */
export type AttributionField = keyof typeof ATTRIBUTION_KEYS;

/**
 * Which family of usage keys a span's token counts were read from. Cache-inclusion rules can
 * match on it where the emitter's version is visible only in the keys it uses (the AI SDK's
 * tracer carries no version).
 * - `gen-ai`: `gen_ai.usage.*` (OTel GenAI current and deprecated, OpenLLMetry, OpenLIT).
 * - `openinference`: `llm.token_count.*`.
 * - `ai-sdk-v4`: `ai.usage.promptTokens` (cache tokens only in provider metadata).
 * - `ai-sdk-v5`: `ai.usage.inputTokens` without `inputTokenDetails`.
 * - `ai-sdk-v6`: `ai.usage.inputTokenDetails.*` (v6 and later).
 * - `langfuse`: `langfuse.observation.usage_details` (disjoint usage types).
 */
export type UsageDialect = 'gen-ai' | 'openinference' | 'ai-sdk-v4' | 'ai-sdk-v5' | 'ai-sdk-v6' | 'langfuse';

/**
 * Says whether the input token count of matching spans already includes cache reads and
 * writes. Every given condition must hold; a rule without conditions matches every span.
 */
export interface CacheInclusionRule {
  /** Instrumentation scope name; a trailing `*` matches a prefix (`@openlit/*`). */
  scope?: string;
  /** Lowest scope version the rule applies to (inclusive, numeric dotted compare). */
  versionAtLeast?: string;
  /** Highest scope version the rule applies to (inclusive). */
  versionAtMost?: string;
  /** Canonical provider id (`anthropic`, `aws`, ...), as the normalizer resolves it. */
  provider?: string;
  /** Usage key family the counts were read from. */
  usageDialect?: UsageDialect;
  includesCache: boolean;
}

/**
 * Options of the normalizer. Build them with `defaultNormalizeOptions()` and adjust; they are
 * compiled on first use and must not be changed afterwards.
 */
export interface NormalizeOptions {
  /**
   * Extra attribute keys read as each of our `pnl.*` keys (`pnl.customer.id`, ...), in priority
   * order, after the `pnl.*` key itself. Span attributes are searched first, then resource
   * attributes. Default: `DEFAULT_ATTRIBUTION_ALIASES`.
   */
  aliases: Record<string, string[]>;
  /**
   * Cache-inclusion rules checked before the built-in table (`BUILT_IN_CACHE_INCLUSION`);
   * the first matching rule wins. Default: none.
   */
  cacheInclusion: CacheInclusionRule[];
  /**
   * Applied to end-user ids before they are stored (see `createPersonalIdHasher`). Default:
   * none (kept as sent); the service always sets one.
   */
  hashUserId?: (value: string) => string;
  /** Most attributes kept in `LlmCall.attributes`. Default 32. */
  maxStoredAttributes: number;
  /** Longest stored attribute value, in UTF-16 units; longer values are cut. Default 256. */
  maxStoredValueLength: number;
  /** Keys kept in `LlmCall.attributes` (content keys are refused). Default: `DEFAULT_STORED_ATTRIBUTE_KEYS`. */
  storedAttributeKeys: string[];
  /** Key prefixes kept in `LlmCall.attributes`. Default: `pnl.custom.`. */
  storedAttributePrefixes: string[];
}

/**
 * Default aliases. No convention has a customer or tenant key, so these are the places other
 * SDKs let users put one (Traceloop association properties, AI SDK telemetry metadata,
 * Langfuse trace metadata), plus the standard user, session and environment keys. Each alias
 * costs a lookup on every priced span, so fields other SDKs rarely carry (tier, organization,
 * product, task type) have none by default; add them with `aliases` where needed.
 */
export const DEFAULT_ATTRIBUTION_ALIASES: Readonly<Record<string, readonly string[]>> = {
  'pnl.customer.id': [
    'traceloop.association.properties.customer_id',
    'ai.telemetry.metadata.customerId',
    'langfuse.trace.metadata.customer_id',
  ],
  'pnl.feature.id': [
    'traceloop.association.properties.feature_id',
    'ai.telemetry.metadata.featureId',
    'langfuse.trace.metadata.feature_id',
  ],
  'pnl.environment': ['deployment.environment.name', 'deployment.environment', 'langfuse.environment', 'gen_ai.environment'],
  'pnl.session.id': [
    'session.id',
    'gen_ai.conversation.id',
    'traceloop.association.properties.session_id',
    'ai.telemetry.metadata.sessionId',
    'langfuse.session.id',
  ],
  'pnl.user.id': [
    'user.id',
    'enduser.id',
    'traceloop.association.properties.user_id',
    'ai.telemetry.metadata.userId',
    'langfuse.user.id',
  ],
};

/**
 * Non-content attributes worth keeping with a call: request parameters, response ids and
 * finish reasons, server, agent and tool names, emitter-reported cost. Never prompt or
 * completion text.
 */
export const DEFAULT_STORED_ATTRIBUTE_KEYS: readonly string[] = [
  'gen_ai.request.temperature',
  'gen_ai.request.max_tokens',
  'gen_ai.request.top_p',
  'gen_ai.response.finish_reasons',
  'gen_ai.response.id',
  'gen_ai.agent.id',
  'gen_ai.tool.name',
  // Service tiers change the price (flex, priority).
  'openai.response.service_tier',
  'gen_ai.openai.response.service_tier',
  'server.address',
  'server.port',
  'error.type',
  // What the emitter itself thought the call cost, to compare with our rating.
  'gen_ai.usage.cost',
  'llm.cost.total',
  'ai.response.finishReason',
  'ai.response.id',
  'ai.telemetry.functionId',
  'langfuse.observation.level',
  // Set by @agentic-pnl/instrumentation; not an attribution column, but worth keeping.
  'pnl.request.id',
];

/** A fresh, mutable copy of the default options. */
export function defaultNormalizeOptions(): NormalizeOptions {
  const aliases: Record<string, string[]> = {};
  for (const [key, list] of Object.entries(DEFAULT_ATTRIBUTION_ALIASES)) aliases[key] = [...list];
  return {
    aliases,
    cacheInclusion: [],
    maxStoredAttributes: 32,
    maxStoredValueLength: 256,
    storedAttributeKeys: [...DEFAULT_STORED_ATTRIBUTE_KEYS],
    storedAttributePrefixes: ['pnl.custom.'],
  };
}
