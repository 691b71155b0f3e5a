import type { AttrValue, Attributes } from '../model/decoded-span.js';
import type { CompiledOptions } from './compile-options.js';
import { ATTRIBUTION_FIELDS } from './compile-options.js';
import { isUsableAttribution } from './read-attribution.js';
import { matchesStoredPrefix, storedValue } from './stored-value.js';
import { walkAttributes } from './walk-attributes.js';

/** What was found among a span's attributes for attribution and storage. */
export interface AttributeScan {
  /** Per attribution field (in `ATTRIBUTION_FIELDS` order): the value under its best key present. */
  attribution: (AttrValue | undefined)[];
  /**
   * Allowlisted non-content keys (in allowlist order), then keys under the stored prefixes
   * (`pnl.custom.*`, in span order), at most `maxStoredAttributes`, each value stringified and
   * cut to `maxStoredValueLength`.
   */
  stored: Record<string, string>;
}

/**
 * Finds attribution values and the attributes to store, choosing the cheaper of two equivalent
 * ways. Custom keys (`pnl.custom.*`) can only be found by walking the span's keys, and they
 * travel in the same baggage as our own `pnl.*` attribution keys. So spans carrying our customer
 * or feature key are walked once (`walkAttributes`); all others get direct lookups of the known
 * keys, whose cost does not grow with the number of (content) keys, and a walk for the prefixes
 * only if another of our `pnl.*` keys turns up.
 */
export function scanAttributes(attrs: Attributes, options: CompiledOptions): AttributeScan {
  if (options.canWalk && (attrs['pnl.customer.id'] !== undefined || attrs['pnl.feature.id'] !== undefined)) {
    return walkAttributes(attrs, options);
  }
  return lookupAttributes(attrs, options);
}

/** `scanAttributes` by direct lookups (exported so tests can hold both ways to the same result). */
export function lookupAttributes(attrs: Attributes, options: CompiledOptions): AttributeScan {
  const attribution: (AttrValue | undefined)[] = new Array<AttrValue | undefined>(ATTRIBUTION_FIELDS.length).fill(undefined);
  const ours = findAttribution(attrs, options.attributionKeyList, attribution);
  const stored: Record<string, string> = {};
  const count = storeAllowlisted(attrs, options, stored);
  if (ours && count < options.maxStoredAttributes && options.storedPrefixes.length > 0) storePrefixed(attrs, options, stored, count);
  return { attribution, stored };
}

/** Stores the allowlisted keys the span has, up to the limit; returns how many. */
function storeAllowlisted(attrs: Attributes, options: CompiledOptions, stored: Record<string, string>): number {
  const max = options.maxStoredAttributes;
  let count = 0;
  for (const key of options.storedKeyList) {
    if (count >= max) break;
    const value = attrs[key];
    if (value === undefined) continue;
    stored[key] = storedValue(value, options.maxStoredValueLength);
    count++;
  }
  return count;
}

/** Fills `found` with the first usable value of each field's keys; true when any came from our own `pnl.*` key. */
function findAttribution(attrs: Attributes, keyList: ReadonlyArray<readonly string[]>, found: (AttrValue | undefined)[]): boolean {
  let ours = false;
  for (let field = 0; field < keyList.length; field++) {
    const keys = keyList[field] as readonly string[];
    for (let priority = 0; priority < keys.length; priority++) {
      const value = attrs[keys[priority] as string];
      if (value === undefined || !isUsableAttribution(field, value)) continue;
      found[field] = value;
      if (priority === 0) ours = true;
      break;
    }
  }
  return ours;
}

function storePrefixed(attrs: Attributes, options: CompiledOptions, stored: Record<string, string>, count: number): void {
  const keys = Object.keys(attrs);
  for (let i = 0; i < keys.length && count < options.maxStoredAttributes; i++) {
    const key = keys[i] as string;
    if (!matchesStoredPrefix(key, options) || stored[key] !== undefined) continue;
    stored[key] = storedValue(attrs[key], options.maxStoredValueLength);
    count++;
  }
}
