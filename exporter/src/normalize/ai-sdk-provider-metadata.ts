import { ABSENT, checkTokenCount } from './token-count.js';

/** Cache and reasoning counts found in AI SDK provider metadata; ABSENT where missing. */
export interface MetadataUsage {
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

type JsonMap = Record<string, unknown>;

/*
 * Where AI SDK v4/v5 providers put what `ai.usage.*` lacks:
 * - anthropic: `cacheCreationInputTokens` (v4, v5), `cacheReadInputTokens` (v4),
 *   `usage.cache_*_input_tokens` (v5 keeps the raw Anthropic usage);
 * - openai (v4): `cachedPromptTokens`, `reasoningTokens`;
 * - bedrock: `usage.cacheReadInputTokens`, `usage.cacheWriteInputTokens`.
 */
const CACHE_READ = ['cacheReadInputTokens', 'cachedPromptTokens'];
const CACHE_READ_IN_USAGE = ['cache_read_input_tokens', 'cacheReadInputTokens'];
const CACHE_WRITE = ['cacheCreationInputTokens', 'cacheWriteInputTokens'];
const CACHE_WRITE_IN_USAGE = ['cache_creation_input_tokens', 'cacheWriteInputTokens'];
const REASONING = ['reasoningTokens'];

/**
 * Reads cache and reasoning counts from the `ai.response.providerMetadata` JSON. A cheap text
 * check runs first so the JSON is parsed only when it can hold a count still missing (counts
 * of `wanted` that are ABSENT). Malformed JSON
 * counts as absent: it is metadata, and the span's own token counts stay valid.
 * @throws InvalidUsageError when a count in it is not a non-negative integer.
 */
export function readProviderMetadataUsage(text: string, wanted: MetadataUsage): MetadataUsage | undefined {
  if (!mayHold(text, wanted)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isMap(parsed)) return undefined;
  for (const provider of Object.keys(parsed)) {
    const entry = parsed[provider];
    if (!isMap(entry)) continue;
    const found = readEntry(entry, `ai.response.providerMetadata.${provider}.`);
    if (found.cacheRead !== ABSENT || found.cacheWrite !== ABSENT || found.reasoning !== ABSENT) return found;
  }
  return undefined;
}

function mayHold(text: string, wanted: MetadataUsage): boolean {
  if (wanted.cacheWrite === ABSENT && (text.includes('acheCreation') || text.includes('acheWrite') || text.includes('cache_creation'))) {
    return true;
  }
  if (wanted.cacheRead === ABSENT && (text.includes('acheRead') || text.includes('cachedPromptTokens') || text.includes('cache_read'))) {
    return true;
  }
  return wanted.reasoning === ABSENT && text.includes('easoningTokens');
}

function readEntry(entry: JsonMap, label: string): MetadataUsage {
  const usage = isMap(entry['usage']) ? entry['usage'] : undefined;
  let cacheRead = firstCount(entry, CACHE_READ, label);
  if (cacheRead === ABSENT && usage !== undefined) cacheRead = firstCount(usage, CACHE_READ_IN_USAGE, `${label}usage.`);
  let cacheWrite = firstCount(entry, CACHE_WRITE, label);
  if (cacheWrite === ABSENT && usage !== undefined) cacheWrite = firstCount(usage, CACHE_WRITE_IN_USAGE, `${label}usage.`);
  return { cacheRead, cacheWrite, reasoning: firstCount(entry, REASONING, label) };
}

function firstCount(map: JsonMap, keys: readonly string[], label: string): number {
  for (const key of keys) {
    const value = map[key];
    if (value !== undefined && value !== null) return checkTokenCount(value, label + key);
  }
  return ABSENT;
}

function isMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
