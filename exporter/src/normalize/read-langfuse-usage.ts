import type { AttrValue, Attributes } from '../model/decoded-span.js';
import type { RawUsage } from './raw-usage.js';
import { ABSENT, checkTokenCount } from './token-count.js';

const KEY = 'langfuse.observation.usage_details';

/*
 * Langfuse usage types are disjoint (each is priced on its own): `input` excludes the cached
 * parts, which is why the built-in table says the `langfuse` dialect does not include cache.
 */
const INPUT = ['input', 'input_tokens', 'prompt_tokens'];
const OUTPUT = ['output', 'output_tokens', 'completion_tokens'];
const CACHE_READ = ['input_cached_tokens', 'input_cache_read', 'cache_read_input_tokens', 'cache_read'];
const CACHE_WRITE = ['input_cache_creation', 'input_cache_write', 'cache_creation_input_tokens', 'cache_write'];
const REASONING = ['output_reasoning_tokens', 'output_reasoning', 'reasoning_tokens'];

type UsageMap = Record<string, unknown>;

/**
 * Reads Langfuse's own `langfuse.observation.usage_details` (a JSON string, or a map when an
 * SDK sent it as a kvlist). Parsed only for Langfuse generation spans without `gen_ai` usage,
 * where it is the only source. Undefined when absent or malformed.
 * @throws InvalidUsageError when a count in it is not a non-negative integer.
 */
export function readLangfuseUsage(attrs: Attributes): RawUsage | undefined {
  const details = usageMap(attrs[KEY]);
  if (details === undefined) return undefined;
  return {
    dialect: 'langfuse',
    input: firstCount(details, INPUT),
    output: firstCount(details, OUTPUT),
    cacheRead: firstCount(details, CACHE_READ),
    cacheWrite: firstCount(details, CACHE_WRITE),
    reasoning: firstCount(details, REASONING),
  };
}

function usageMap(value: AttrValue | undefined): UsageMap | undefined {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as UsageMap) : undefined;
}

function firstCount(map: UsageMap, keys: readonly string[]): number {
  for (const key of keys) {
    const value = map[key];
    if (value !== undefined && value !== null) return checkTokenCount(value, `${KEY}.${key}`);
  }
  return ABSENT;
}
