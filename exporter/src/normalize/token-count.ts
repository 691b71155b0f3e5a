import type { Attributes } from '../model/decoded-span.js';

/** Returned by the readers when no key of a list is present. */
export const ABSENT = -1;

/** Longest digit string that is always an exact integer in a JS number. */
const MAX_DIGITS = 15;

/**
 * Largest count the UInt32 token columns hold. Larger counts were written modulo 2^32 (found by
 * fuzzing: 4,294,967,296 input tokens were stored as 0 while priced in full); no real call comes
 * near it, so such a count is refused like any other impossible one.
 */
const MAX_TOKENS = 4_294_967_295;

/**
 * A token count that is not a non-negative integer. Thrown by the usage readers and turned
 * into an `invalid_usage` reject by `normalizeSpan`, so a reader never has to thread an error
 * value through its return type.
 */
export class InvalidUsageError extends Error {
  constructor(
    readonly key: string,
    value: unknown,
    problem = 'is not a non-negative integer',
  ) {
    super(`token count ${key} = ${describe(value)} ${problem}`);
    this.name = 'InvalidUsageError';
  }
}

/**
 * The count under `key`: a non-negative integer, or ABSENT when the key is missing or null.
 * Numbers and decimal strings are accepted (OTLP JSON sends int64 values as strings).
 * @throws InvalidUsageError for negative, fractional, NaN, non-numeric or oversized values.
 */
export function readTokenCount(attrs: Attributes, key: string): number {
  return checkTokenCount(attrs[key], key);
}

/** The count under the first present key of `keys`, or ABSENT. Throws like `readTokenCount`. */
export function firstTokenCount(attrs: Attributes, keys: readonly string[]): number {
  for (const key of keys) {
    const value = attrs[key];
    if (value !== undefined && value !== null) return checkTokenCount(value, key);
  }
  return ABSENT;
}

/** Validates one count from any source; `label` names it in the error. */
export function checkTokenCount(value: unknown, label: string): number {
  if (value === undefined || value === null) return ABSENT;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value === 0 ? 0 : checkRange(value, label);
    throw new InvalidUsageError(label, value);
  }
  if (typeof value === 'string') {
    const n = parseDigits(value);
    if (n >= 0) return checkRange(n, label);
  }
  throw new InvalidUsageError(label, value);
}

function checkRange(n: number, label: string): number {
  if (n > MAX_TOKENS) throw new InvalidUsageError(label, n, `is more than ${MAX_TOKENS}, the most a token column holds`);
  return n;
}

/** A plain decimal digit string as a number, or -1. Written out to keep regexes off the hot path. */
function parseDigits(text: string): number {
  const length = text.length;
  if (length === 0 || length > MAX_DIGITS) return -1;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'a map' : String(value);
}
