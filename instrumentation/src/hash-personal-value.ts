import { createHmac } from 'node:crypto';
import { AttributionError } from './attribution-error.js';

/** Environment variable read for the salt when {@link setHashSalt} was not called. */
export const HASH_SALT_ENV = 'AGENTIC_PNL_HASH_SALT';
/** Shortest salt accepted: shorter ones make a dictionary of e-mails cheap to rebuild. */
export const MIN_SALT_LENGTH = 16;

let configuredSalt: string | undefined;

/**
 * Sets the process-wide salt for {@link hashPersonalValue}. Use the same salt in every
 * service of a deployment, or the same user hashes differently in each.
 * @throws AttributionError `missing_salt` when the salt is shorter than {@link MIN_SALT_LENGTH}.
 */
export function setHashSalt(salt: string | undefined): void {
  if (salt !== undefined) checkSalt(salt, 'setHashSalt()');
  configuredSalt = salt;
}

function checkSalt(salt: string, source: string): string {
  if (typeof salt !== 'string' || salt.length < MIN_SALT_LENGTH) {
    throw new AttributionError(
      'missing_salt',
      undefined,
      `the hash salt from ${source} is shorter than ${MIN_SALT_LENGTH} characters; use a random secret, e.g. \`openssl rand -hex 16\`.`,
    );
  }
  return salt;
}

function currentSalt(): string {
  if (configuredSalt !== undefined) return configuredSalt;
  const fromEnv = process.env[HASH_SALT_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return checkSalt(fromEnv, HASH_SALT_ENV);
  throw new AttributionError(
    'missing_salt',
    undefined,
    `personal values are hashed with a salt and none is set: pass hashSalt to startAgenticPnl(), call setHashSalt(), or set ${HASH_SALT_ENV}.`,
  );
}

/**
 * Hashes a personal value (user id, e-mail, IP address) so it can be counted and joined
 * without being readable: HMAC-SHA-256 keyed with the salt, as 64 hex characters.
 * E-mail addresses are trimmed and lower-cased first so `Ann@X.com` and `ann@x.com` match.
 * @param salt overrides the configured salt for this call.
 * @throws AttributionError `missing_salt` when no salt is configured.
 */
export function hashPersonalValue(value: string, salt?: string): string {
  const key = salt === undefined ? currentSalt() : checkSalt(salt, 'the salt argument');
  const trimmed = value.trim();
  // Only e-mails are case-insensitive; user ids such as "Ab12" and "ab12" may be distinct.
  const normalized = trimmed.includes('@') ? trimmed.toLowerCase() : trimmed;
  return createHmac('sha256', key).update(normalized, 'utf8').digest('hex');
}
