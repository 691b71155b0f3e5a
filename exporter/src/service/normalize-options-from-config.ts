import type { PnlConfig } from '../config/config.js';
import { defaultNormalizeOptions, type NormalizeOptions } from '../normalize/index.js';
import { createPersonalIdHasher } from '../normalize/personal-id-hasher.js';

/**
 * The normalizer's options as the configuration sets them, with end-user ids hashed under
 * `hashSalt`. Shared by the service and its ingest workers, so both normalize alike.
 */
export function normalizeOptionsFrom(config: PnlConfig, hashSalt: string): NormalizeOptions {
  const options = defaultNormalizeOptions();
  options.hashUserId = createPersonalIdHasher(hashSalt);
  if (config.storedAttributes !== undefined) {
    for (const key of config.storedAttributes.split(',').map((k) => k.trim()).filter((k) => k !== '')) options.storedAttributeKeys.push(key);
  }
  if (config.attributionAliases !== undefined) {
    const extra = JSON.parse(config.attributionAliases) as Record<string, string[]>;
    for (const [key, aliases] of Object.entries(extra)) options.aliases[key] = [...(options.aliases[key] ?? []), ...aliases];
  }
  if (config.cacheInclusion !== undefined) {
    options.cacheInclusion = [...(JSON.parse(config.cacheInclusion) as NormalizeOptions['cacheInclusion']), ...options.cacheInclusion];
  }
  return options;
}
