import type { Attributes } from '../model/decoded-span.js';
import type { Attribution } from '../model/llm-call.js';
import { CacheInclusionTable } from './cache-inclusion.js';
import { isContentKey, prefixMayHoldContent } from './content-keys.js';
import type { AttributionField, NormalizeOptions, UsageDialect } from './normalize-options.js';
import { ATTRIBUTION_KEYS } from './normalize-options.js';

/** Attribution and service name read from one resource, shared by all spans of its ResourceSpans. */
export interface ResourceInfo {
  attribution: Attribution;
  serviceName: string;
}

/** Attribution fields in a fixed order: the layout of per-field arrays on the hot path. */
export const ATTRIBUTION_FIELDS = Object.keys(ATTRIBUTION_KEYS) as readonly AttributionField[];

/** Options turned into the structures the hot path reads. */
export interface CompiledOptions {
  /** For each attribution field: our key, then its aliases. */
  attributionKeys: Readonly<Record<AttributionField, readonly string[]>>;
  /** The same keys per field in `ATTRIBUTION_FIELDS` order, for direct lookups. */
  attributionKeyList: ReadonlyArray<readonly string[]>;
  /** Allowlisted stored keys, content keys removed. */
  storedKeyList: readonly string[];
  /**
   * What each known key is for, for one walk over a span's keys: bits 16+ hold its allowlist
   * index + 1, bits 8-15 its attribution field index + 1, bits 0-7 its priority for that field.
   */
  keyCodes: ReadonlyMap<string, number>;
  /**
   * Whether that walk gives the same result as direct lookups: not when one key is configured
   * for two fields (a code names one), nor without stored prefixes (nothing to walk for).
   */
  canWalk: boolean;
  cacheInclusion: CacheInclusionTable;
  maxStoredAttributes: number;
  maxStoredValueLength: number;
  hashUserId: (value: string) => string;
  storedPrefixes: readonly string[];
  /** Per stored prefix: whether keys under it still need the content check. */
  storedPrefixNeedsCheck: readonly boolean[];
  /** Per-resource results; a resource object is shared by every span of its batch entry. */
  resources: WeakMap<Attributes, ResourceInfo>;
}

const USAGE_DIALECTS: readonly UsageDialect[] = ['gen-ai', 'openinference', 'ai-sdk-v4', 'ai-sdk-v5', 'ai-sdk-v6', 'langfuse'];

const compiled = new WeakMap<NormalizeOptions, CompiledOptions>();

/**
 * The compiled form of `options`, built on first use and then reused (options must not change
 * after that). Throws when the options are invalid; `validateNormalizeOptions` lists why.
 */
export function compileOptions(options: NormalizeOptions): CompiledOptions {
  let result = compiled.get(options);
  if (result === undefined) {
    const problems = validateNormalizeOptions(options);
    if (problems.length > 0) throw new Error(`invalid normalize options: ${problems.join('; ')}`);
    result = build(options);
    compiled.set(options, result);
  }
  return result;
}

/** Every problem with the options, for a configuration error at start-up ([] when valid). */
export function validateNormalizeOptions(options: NormalizeOptions): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(options.maxStoredAttributes) || options.maxStoredAttributes < 0) {
    problems.push(`maxStoredAttributes must be a non-negative integer, got ${String(options.maxStoredAttributes)}`);
  }
  if (!Number.isSafeInteger(options.maxStoredValueLength) || options.maxStoredValueLength < 1) {
    problems.push(`maxStoredValueLength must be a positive integer, got ${String(options.maxStoredValueLength)}`);
  }
  const known = new Set<string>(Object.values(ATTRIBUTION_KEYS));
  for (const [key, list] of Object.entries(options.aliases ?? {})) {
    if (!known.has(key)) problems.push(`aliases: unknown attribution key "${key}" (known: ${[...known].join(', ')})`);
    else if (!Array.isArray(list) || !list.every((k) => typeof k === 'string' && k !== '')) {
      problems.push(`aliases["${key}"] must be a list of attribute keys`);
    }
  }
  (options.cacheInclusion ?? []).forEach((rule, i) => {
    if (typeof rule !== 'object' || rule === null || typeof rule.includesCache !== 'boolean') {
      problems.push(`cacheInclusion[${i}] needs a boolean includesCache`);
      return;
    }
    for (const field of ['scope', 'versionAtLeast', 'versionAtMost', 'provider'] as const) {
      const value = rule[field];
      if (value !== undefined && typeof value !== 'string') problems.push(`cacheInclusion[${i}].${field} must be a string`);
    }
    if (rule.usageDialect !== undefined && !USAGE_DIALECTS.includes(rule.usageDialect)) {
      problems.push(`cacheInclusion[${i}].usageDialect must be one of ${USAGE_DIALECTS.join(', ')}`);
    }
  });
  return problems;
}

function build(options: NormalizeOptions): CompiledOptions {
  const attributionKeys = {} as Record<AttributionField, readonly string[]>;
  for (const field of Object.keys(ATTRIBUTION_KEYS) as AttributionField[]) {
    const ours = ATTRIBUTION_KEYS[field];
    const aliases = options.aliases[ours] ?? [];
    attributionKeys[field] = [ours, ...aliases.filter((k) => k !== ours)];
  }
  const storedPrefixes = options.storedAttributePrefixes.filter((p) => p !== '');
  // Content keys are refused even when configured: no prompt text is ever stored.
  const storedKeyList = [...new Set(options.storedAttributeKeys)].filter((k) => !isContentKey(k));
  const codes = keyCodes(attributionKeys, storedKeyList);
  return {
    attributionKeys,
    attributionKeyList: ATTRIBUTION_FIELDS.map((field) => attributionKeys[field]),
    storedKeyList,
    keyCodes: codes ?? new Map(),
    canWalk: codes !== undefined && storedPrefixes.length > 0,
    cacheInclusion: new CacheInclusionTable(options.cacheInclusion),
    maxStoredAttributes: options.maxStoredAttributes,
    maxStoredValueLength: options.maxStoredValueLength,
    hashUserId: options.hashUserId ?? ((v) => v),
    storedPrefixes,
    storedPrefixNeedsCheck: storedPrefixes.map(prefixMayHoldContent),
    resources: new WeakMap(),
  };
}

/** Codes of all attribution and allowlisted keys, or undefined when a key serves two attribution fields. */
function keyCodes(attributionKeys: Record<AttributionField, readonly string[]>, storedKeys: readonly string[]): Map<string, number> | undefined {
  const codes = new Map<string, number>();
  for (const [index, field] of ATTRIBUTION_FIELDS.entries()) {
    for (const [priority, key] of attributionKeys[field].entries()) {
      const existing = codes.get(key);
      if (existing !== undefined && ((existing >> 8) & 0xff) !== index + 1) return undefined;
      if (existing === undefined) codes.set(key, ((index + 1) << 8) | Math.min(priority, 255));
    }
  }
  storedKeys.forEach((key, index) => codes.set(key, (codes.get(key) ?? 0) | ((index + 1) << 16)));
  return codes;
}
