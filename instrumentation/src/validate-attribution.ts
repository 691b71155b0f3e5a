import { ATTRIBUTION_KEYS, PNL_CUSTOM_PREFIX, PNL_KEYS } from './attribute-keys.js';
import { AttributionError } from './attribution-error.js';

/** Longest value accepted for one attribution entry, in characters. */
export const MAX_VALUE_LENGTH = 256;
/** Longest custom key accepted (without the `pnl.custom.` prefix). */
export const MAX_CUSTOM_KEY_LENGTH = 64;

// Lower-case, dot-separated words: valid as a baggage token, a span attribute key, a
// ClickHouse map key and a Prometheus label value without escaping in any of them.
const CUSTOM_KEY = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$/;
// C0/C1 control characters would survive percent-encoding but break log lines and CSV exports.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Checks one attribution value and returns it trimmed.
 * @throws AttributionError `invalid_value` when it is not a non-empty string of at most
 *   {@link MAX_VALUE_LENGTH} characters without control characters or half surrogate pairs.
 */
export function validateValue(key: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new AttributionError('invalid_value', key, `${key} must be a string, got ${typeof value}; convert ids with String(id).`);
  }
  const trimmed = value.trim();
  const problem = valueProblem(trimmed) ?? (key === PNL_KEYS.customerId && RESERVED_CUSTOMER_IDS.has(trimmed) ? RESERVED_PROBLEM : undefined);
  if (problem !== undefined) throw new AttributionError('invalid_value', key, `${key} ${problem}`);
  return trimmed;
}

/**
 * Customer ids the exporter gives a meaning of its own (`__all__`: the portfolio budget,
 * `__other__`: the metrics' overflow label); it refuses spans that carry one.
 */
export const RESERVED_CUSTOMER_IDS: ReadonlySet<string> = new Set(['__all__', '__other__']);
const RESERVED_PROBLEM = 'is reserved by the exporter (__all__ is the portfolio budget, __other__ the overflow label of its metrics); use another id.';

/**
 * Whether a value passes {@link validateValue}; never throws. For values that arrive in baggage
 * from another service or a client, which nothing has checked: they are left out, not copied.
 */
export function isValidValue(value: string): boolean {
  return valueProblem(value.trim()) === undefined;
}

/** What is wrong with a trimmed value, as the end of a sentence that starts with its key. */
function valueProblem(trimmed: string): string | undefined {
  if (trimmed.length === 0) return 'is empty; leave the field unset instead of passing "".';
  if (trimmed.length > MAX_VALUE_LENGTH) return `is ${trimmed.length} characters, over the ${MAX_VALUE_LENGTH} limit; pass an id, not a description.`;
  if (CONTROL_CHARS.test(trimmed)) return 'contains control characters; remove newlines and tabs.';
  // A lone UTF-16 surrogate (half of an emoji cut in two) cannot be percent-encoded: the baggage
  // propagator would throw a URIError later, far from the cause.
  if (LONE_SURROGATE.test(trimmed)) return 'contains half of a UTF-16 surrogate pair (a character cut in two); pass whole characters.';
  return undefined;
}

/** Whether `key` (the part after `pnl.custom.`) is a valid custom key; never throws. */
export function isCustomKey(key: string): boolean {
  return key.length > 0 && key.length <= MAX_CUSTOM_KEY_LENGTH && CUSTOM_KEY.test(key);
}

/**
 * Checks a custom key (the part after `pnl.custom.`).
 * @throws AttributionError `invalid_key` unless it is lower-case dot-separated words.
 */
export function validateCustomKey(key: unknown): string {
  if (typeof key !== 'string' || !isCustomKey(key)) {
    throw new AttributionError(
      'invalid_key',
      typeof key === 'string' ? key : undefined,
      `custom key ${JSON.stringify(key)} is invalid: use 1-${MAX_CUSTOM_KEY_LENGTH} lower-case letters, digits, "_" and "." ` +
        `starting with a letter, e.g. "cost_center".`,
    );
  }
  return key;
}

/**
 * Checks a full attribution key (`pnl.customer.id`, `pnl.custom.cost_center`, ...).
 * @throws AttributionError `invalid_key` for anything else, including run and attempt keys.
 */
export function validateAttributionKey(key: string): string {
  if (ATTRIBUTION_KEYS.has(key)) return key;
  if (key.startsWith(PNL_CUSTOM_PREFIX)) {
    validateCustomKey(key.slice(PNL_CUSTOM_PREFIX.length));
    return key;
  }
  throw new AttributionError(
    'invalid_key',
    key,
    `"${key}" is not an attribution key; use the attribution() builder, or custom("name", value) for your own dimensions` +
      (key.startsWith('pnl.run.') || key.startsWith('pnl.attempt') ? ' (run and attempt keys are set by agentRun())' : '') +
      '.',
  );
}
