import { canonicalProvider } from './canonical-provider.js';
import type { CacheInclusionRule, UsageDialect } from './normalize-options.js';

/**
 * Built-in answers to "does this emitter's input count include cache reads and writes?",
 * checked after the options' own rules; the first match wins. Anything unmatched includes
 * cache: that is what the OTel GenAI spec asks ("SHOULD include all cached tokens"), what
 * OpenAI's `prompt_tokens` means, and what Traceloop Python, OpenInference Python, Logfire and
 * the Anthropic SDK's own spans do. The rules list the emitters known to report Anthropic's
 * raw `input_tokens` (cache excluded) instead.
 */
export const BUILT_IN_CACHE_INCLUSION: readonly CacheInclusionRule[] = [
  // AI SDK v6+: inputTokens = noCache + cacheRead + cacheWrite, whatever the provider.
  { usageDialect: 'ai-sdk-v6', includesCache: true },
  // AI SDK v4/v5 pass the provider's own count through: Anthropic and Bedrock exclude cache.
  { usageDialect: 'ai-sdk-v5', provider: 'anthropic', includesCache: false },
  { usageDialect: 'ai-sdk-v5', provider: 'aws', includesCache: false },
  { usageDialect: 'ai-sdk-v4', provider: 'anthropic', includesCache: false },
  { usageDialect: 'ai-sdk-v4', provider: 'aws', includesCache: false },
  // Langfuse usage types are disjoint.
  { usageDialect: 'langfuse', includesCache: false },
  // OpenLLMetry JS Anthropic and Bedrock (Anthropic models) up to 0.27.0: raw input_tokens.
  { scope: '@traceloop/instrumentation-anthropic', versionAtMost: '0.27.0', includesCache: false },
  { scope: '@traceloop/instrumentation-bedrock', versionAtMost: '0.27.0', includesCache: false },
  // OpenInference JS Anthropic: raw input_tokens (and no cache attributes at all).
  { scope: '@arizeai/openinference-instrumentation-anthropic', includesCache: false },
  // OpenLIT, TS (`@openlit/instrumentation-*`) and Python (`openlit.*`), Anthropic: raw input_tokens.
  { scope: '@openlit/*', provider: 'anthropic', includesCache: false },
  { scope: 'openlit*', provider: 'anthropic', includesCache: false },
  // The Anthropic SDK's own spans follow the spec (stated to document it, not to change it).
  { scope: 'com.anthropic.sdk.typescript', includesCache: true },
];

type Version = readonly number[];

interface CompiledRule {
  scopeExact: string | undefined;
  scopePrefix: string | undefined;
  atLeast: Version | undefined;
  atMost: Version | undefined;
  provider: string | undefined;
  dialect: UsageDialect | undefined;
  includesCache: boolean;
}

/** Parsed scope versions, memoised: scope versions are few, spans are many. */
const MAX_MEMO = 512;

/** The option rules followed by the built-in ones, compiled once for the hot path. */
export class CacheInclusionTable {
  private readonly rules: CompiledRule[];
  private readonly versions = new Map<string, Version>();

  constructor(overrides: readonly CacheInclusionRule[]) {
    this.rules = [...overrides, ...BUILT_IN_CACHE_INCLUSION].map(compileRule);
  }

  /** Whether spans of this emitter, provider and usage dialect report input including cache. */
  includesCache(scopeName: string, scopeVersion: string, provider: string, dialect: UsageDialect): boolean {
    for (const rule of this.rules) {
      if (rule.scopeExact !== undefined && rule.scopeExact !== scopeName) continue;
      if (rule.scopePrefix !== undefined && !scopeName.startsWith(rule.scopePrefix)) continue;
      if (rule.provider !== undefined && rule.provider !== provider) continue;
      if (rule.dialect !== undefined && rule.dialect !== dialect) continue;
      if ((rule.atLeast !== undefined || rule.atMost !== undefined) && !this.versionInRange(rule, scopeVersion)) continue;
      return rule.includesCache;
    }
    return true;
  }

  private versionInRange(rule: CompiledRule, scopeVersion: string): boolean {
    // An unknown version cannot be shown to be in range, so the rule does not apply.
    if (scopeVersion === '') return false;
    let version = this.versions.get(scopeVersion);
    if (version === undefined) {
      version = parseVersion(scopeVersion);
      if (this.versions.size < MAX_MEMO) this.versions.set(scopeVersion, version);
    }
    if (rule.atLeast !== undefined && compareVersions(version, rule.atLeast) < 0) return false;
    return rule.atMost === undefined || compareVersions(version, rule.atMost) <= 0;
  }
}

function compileRule(rule: CacheInclusionRule): CompiledRule {
  const scope = rule.scope;
  const isPrefix = scope !== undefined && scope.endsWith('*');
  return {
    scopeExact: isPrefix ? undefined : scope,
    scopePrefix: isPrefix ? scope.slice(0, -1) : undefined,
    atLeast: rule.versionAtLeast === undefined ? undefined : parseVersion(rule.versionAtLeast),
    atMost: rule.versionAtMost === undefined ? undefined : parseVersion(rule.versionAtMost),
    // Rules may name a provider as emitters do ("Anthropic", "aws.bedrock"); compare canonical ids.
    provider: rule.provider === undefined ? undefined : canonicalProvider(rule.provider),
    dialect: rule.usageDialect,
    includesCache: rule.includesCache,
  };
}

/** "0.27.0-beta.1" -> [0, 27, 0]: numeric dotted parts before any pre-release or build suffix. */
export function parseVersion(text: string): Version {
  const core = text.trim().replace(/^v/, '').split(/[-+]/, 1)[0] ?? '';
  return core.split('.').map((part) => {
    const n = Number.parseInt(part, 10);
    return Number.isFinite(n) ? n : 0;
  });
}

function compareVersions(a: Version, b: Version): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
