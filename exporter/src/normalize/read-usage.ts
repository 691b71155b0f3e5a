import type { DecodedSpan } from '../model/decoded-span.js';
import type { Convention } from './detect-convention.js';
import type { RawUsage } from './raw-usage.js';
import { hasAnyCount } from './raw-usage.js';
import { readAiSdkUsage } from './read-ai-sdk-usage.js';
import { readLangfuseUsage } from './read-langfuse-usage.js';
import { firstTokenCount } from './token-count.js';

/*
 * Key lists in priority order: the current OTel GenAI key first, then the deprecated and
 * emitter-specific spellings that carry the same number.
 */
const GEN_AI_INPUT = ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.usage.prompt_tokens'];
const GEN_AI_OUTPUT = ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.usage.completion_tokens'];
const GEN_AI_CACHE_READ = [
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'gen_ai.usage.prompt_tokens_details.cache_read',
];
const GEN_AI_CACHE_WRITE = [
  'gen_ai.usage.cache_creation.input_tokens',
  // The spec's announced rename; the Anthropic SDK already emits it.
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'gen_ai.usage.prompt_tokens_details.cache_write',
];
const GEN_AI_REASONING = [
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.reasoning_tokens',
  'llm.usage.reasoning_tokens',
  'gen_ai.usage.completion_tokens_details.reasoning',
];

const OI_INPUT = ['llm.token_count.prompt'];
const OI_OUTPUT = ['llm.token_count.completion'];
const OI_CACHE_READ = ['llm.token_count.prompt_details.cache_read'];
const OI_CACHE_WRITE = ['llm.token_count.prompt_details.cache_write'];
const OI_REASONING = ['llm.token_count.completion_details.reasoning'];

/**
 * Reads a model-call span's token counts with the keys of its convention.
 * @throws InvalidUsageError when a present count is not a non-negative integer.
 */
export function readUsage(span: DecodedSpan, convention: Convention): RawUsage {
  switch (convention) {
    case 'openinference': {
      // Some OpenInference emitters also (or only) write gen_ai keys.
      const openInference = readOpenInferenceUsage(span);
      return hasAnyCount(openInference) ? openInference : readGenAiUsage(span);
    }
    case 'vercel-ai':
      return readAiSdkUsage(span);
    case 'langfuse': {
      // Langfuse's processor keeps other emitters' gen_ai keys; its own JSON is the fallback.
      const genAi = readGenAiUsage(span);
      return hasAnyCount(genAi) ? genAi : (readLangfuseUsage(span.attributes) ?? genAi);
    }
    default:
      return readGenAiUsage(span);
  }
}

function readGenAiUsage(span: DecodedSpan): RawUsage {
  const attrs = span.attributes;
  return {
    dialect: 'gen-ai',
    input: firstTokenCount(attrs, GEN_AI_INPUT),
    output: firstTokenCount(attrs, GEN_AI_OUTPUT),
    cacheRead: firstTokenCount(attrs, GEN_AI_CACHE_READ),
    cacheWrite: firstTokenCount(attrs, GEN_AI_CACHE_WRITE),
    reasoning: firstTokenCount(attrs, GEN_AI_REASONING),
  };
}

function readOpenInferenceUsage(span: DecodedSpan): RawUsage {
  const attrs = span.attributes;
  return {
    dialect: 'openinference',
    input: firstTokenCount(attrs, OI_INPUT),
    output: firstTokenCount(attrs, OI_OUTPUT),
    cacheRead: firstTokenCount(attrs, OI_CACHE_READ),
    cacheWrite: firstTokenCount(attrs, OI_CACHE_WRITE),
    reasoning: firstTokenCount(attrs, OI_REASONING),
  };
}
