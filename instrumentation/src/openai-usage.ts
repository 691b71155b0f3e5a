import { GEN_AI_KEYS } from './attribute-keys.js';

/** Token counts OpenAI reports that the official instrumentation does not record. */
export type OpenAIUsageAttributes = Partial<Record<typeof GEN_AI_KEYS.cacheReadInputTokens | typeof GEN_AI_KEYS.reasoningOutputTokens, number>>;

/**
 * Reads cached-input and reasoning token counts from an OpenAI response body: a Chat
 * Completions body or stream chunk (`usage.prompt_tokens_details.cached_tokens`,
 * `usage.completion_tokens_details.reasoning_tokens`), a Responses body
 * (`usage.input_tokens_details` / `output_tokens_details`) or a Responses stream event
 * (`response.usage`). Returns only counts that are present, zeros included, so a known zero
 * is distinguishable from "not reported".
 */
export function openAIUsageAttributes(body: unknown): OpenAIUsageAttributes {
  const usage = field(body, 'usage') ?? field(field(body, 'response'), 'usage');
  const out: OpenAIUsageAttributes = {};
  if (usage === undefined) return out;
  const cached = count(field(field(usage, 'prompt_tokens_details') ?? field(usage, 'input_tokens_details'), 'cached_tokens'));
  const reasoning = count(field(field(usage, 'completion_tokens_details') ?? field(usage, 'output_tokens_details'), 'reasoning_tokens'));
  if (cached !== undefined) out[GEN_AI_KEYS.cacheReadInputTokens] = cached;
  if (reasoning !== undefined) out[GEN_AI_KEYS.reasoningOutputTokens] = reasoning;
  return out;
}

function field(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  const found = (value as Record<string, unknown>)[key];
  return found === null ? undefined : found;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
