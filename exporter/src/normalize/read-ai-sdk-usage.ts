import type { Attributes, DecodedSpan } from '../model/decoded-span.js';
import type { UsageDialect } from './normalize-options.js';
import type { RawUsage } from './raw-usage.js';
import { readProviderMetadataUsage } from './ai-sdk-provider-metadata.js';
import { ABSENT, firstTokenCount } from './token-count.js';

// `ai.usage.tokens` is the embedding count; gen_ai keys are the SDK's own copies, read last.
const INPUT = ['ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens', 'gen_ai.usage.input_tokens'];
const OUTPUT = ['ai.usage.outputTokens', 'ai.usage.completionTokens', 'gen_ai.usage.output_tokens'];
const CACHE_READ = ['ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens'];
const CACHE_WRITE = ['ai.usage.inputTokenDetails.cacheWriteTokens'];
const REASONING = ['ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens'];

/**
 * Reads the legacy `ai.*` usage of an AI SDK provider-call span (`ai.*.doGenerate` etc.).
 * The meaning of `inputTokens` changed across versions, and the tracer carries no version, so
 * the dialect is told from the keys: v6+ adds `inputTokenDetails` (input = noCache + cache
 * read + cache write); v5 has `inputTokens` alone (raw provider count); v4 has `promptTokens`.
 * v4 and v5 keep cache writes (and for v4 cache reads) only in the providerMetadata JSON,
 * which is parsed only then.
 * @throws InvalidUsageError when a present count is not a non-negative integer.
 */
export function readAiSdkUsage(span: DecodedSpan): RawUsage {
  const attrs = span.attributes;
  const raw: RawUsage = {
    dialect: dialectOf(attrs),
    input: firstTokenCount(attrs, INPUT),
    output: firstTokenCount(attrs, OUTPUT),
    cacheRead: firstTokenCount(attrs, CACHE_READ),
    cacheWrite: firstTokenCount(attrs, CACHE_WRITE),
    reasoning: firstTokenCount(attrs, REASONING),
  };
  if (raw.dialect !== 'ai-sdk-v6' && (raw.cacheRead === ABSENT || raw.cacheWrite === ABSENT || raw.reasoning === ABSENT)) {
    fillFromProviderMetadata(attrs, raw);
  }
  return raw;
}

function dialectOf(attrs: Attributes): UsageDialect {
  if (
    attrs['ai.usage.inputTokenDetails.noCacheTokens'] !== undefined ||
    attrs['ai.usage.inputTokenDetails.cacheReadTokens'] !== undefined ||
    attrs['ai.usage.inputTokenDetails.cacheWriteTokens'] !== undefined
  ) {
    return 'ai-sdk-v6';
  }
  return attrs['ai.usage.promptTokens'] !== undefined ? 'ai-sdk-v4' : 'ai-sdk-v5';
}

function fillFromProviderMetadata(attrs: Attributes, raw: RawUsage): void {
  const text = attrs['ai.response.providerMetadata'];
  if (typeof text !== 'string') return;
  const meta = readProviderMetadataUsage(text, raw);
  if (meta === undefined) return;
  if (raw.cacheRead === ABSENT) raw.cacheRead = meta.cacheRead;
  if (raw.cacheWrite === ABSENT) raw.cacheWrite = meta.cacheWrite;
  if (raw.reasoning === ABSENT) raw.reasoning = meta.reasoning;
}
