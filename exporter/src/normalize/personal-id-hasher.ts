import { createHmac } from 'node:crypto';

const HASHED = /^[0-9a-f]{64}$/;
const CACHE_LIMIT = 10_000;

/**
 * Hashes end-user ids before they are stored: HMAC-SHA-256 under the deployment's salt, as 64
 * hex digits, the same function as the instrumentation's `hashPersonalValue` (e-mails trimmed
 * and lower-cased), so ids hashed by either side match. A value that already is such a digest
 * (hashed by the instrumentation) is kept. Recent results are cached: a handful of users make
 * most calls, and an HMAC per span would be a measurable share of ingest time.
 */
export function createPersonalIdHasher(salt: string): (value: string) => string {
  const cache = new Map<string, string>();
  return (value) => {
    if (value === '' || HASHED.test(value)) return value;
    let hashed = cache.get(value);
    if (hashed === undefined) {
      const trimmed = value.trim();
      const normalized = trimmed.includes('@') ? trimmed.toLowerCase() : trimmed;
      hashed = createHmac('sha256', salt).update(normalized, 'utf8').digest('hex');
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(value, hashed);
    }
    return hashed;
  };
}
