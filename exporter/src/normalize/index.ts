export { normalizeSpan } from './normalize-span.js';
export {
  ATTRIBUTION_KEYS,
  DEFAULT_ATTRIBUTION_ALIASES,
  DEFAULT_STORED_ATTRIBUTE_KEYS,
  defaultNormalizeOptions,
} from './normalize-options.js';
export type { AttributionField, CacheInclusionRule, NormalizeOptions, UsageDialect } from './normalize-options.js';
export { validateNormalizeOptions } from './compile-options.js';
export { BUILT_IN_CACHE_INCLUSION } from './cache-inclusion.js';
export { canonicalProvider, providerFromModel } from './canonical-provider.js';
export { isContentKey } from './content-keys.js';
export type { Convention } from './detect-convention.js';
