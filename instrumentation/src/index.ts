// Public surface of @agentic-pnl/instrumentation, listed by name so it stays deliberate.

export { PNL_KEYS, PNL_CUSTOM_PREFIX, ATTEMPT_REASONS, GEN_AI_KEYS } from './attribute-keys.js';
export type { PnlKey, AttemptReason, RunOutcome } from './attribute-keys.js';

export { attribution, AttributionBuilder } from './attribution-builder.js';
export type { Attribution } from './attribution-builder.js';
export { withAttribution, attributionContext, currentAttribution } from './attribution-context.js';
export { AttributionError } from './attribution-error.js';
export type { AttributionErrorCode } from './attribution-error.js';
export { hashPersonalValue, setHashSalt, HASH_SALT_ENV, MIN_SALT_LENGTH } from './hash-personal-value.js';
export { MAX_VALUE_LENGTH, MAX_CUSTOM_KEY_LENGTH } from './validate-attribution.js';
export { BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBER_BYTES, BAGGAGE_MAX_MEMBERS } from './baggage-limits.js';
export { AttributionSpanProcessor } from './attribution-span-processor.js';
export type { AttributionSpanProcessorOptions } from './attribution-span-processor.js';

export { agentRun, currentRun } from './agent-run.js';
export type { AgentRun, AgentRunOptions } from './agent-run.js';
export { AgentRunError } from './agent-run-error.js';
export type { AgentRunErrorCode } from './agent-run-error.js';
export { recordOutcome } from './outcome.js';
export type { OutcomeOptions } from './outcome.js';

export { openAIUsageFetch } from './openai-usage-fetch.js';
export { openAIUsageAttributes } from './openai-usage.js';
export type { OpenAIUsageAttributes } from './openai-usage.js';

export { BudgetGuard, PORTFOLIO_BUDGET } from './budget-guard.js';
export type { BudgetGuardOptions } from './budget-guard.js';
export type { BudgetState, BudgetGuardState, BudgetStatus } from './budget-status.js';
export { budgetState, budgetStatus, configureBudgetGuard } from './default-budget-guard.js';
export { SERVICE_URL_ENV, SERVICE_TOKEN_ENV } from './service-url.js';

export { startAgenticPnl } from './start-agentic-pnl.js';
export type { AgenticPnl } from './start-agentic-pnl.js';
export type { AgenticPnlOptions } from './setup-options.js';
export { SetupError } from './setup-error.js';
export type { Logger } from './logger.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';
