import type { AttrValue, Attributes } from '../model/decoded-span.js';
import type { CompiledOptions } from './compile-options.js';
import { ATTRIBUTION_FIELDS } from './compile-options.js';
import { isUsableAttribution } from './read-attribution.js';
import type { AttributeScan } from './scan-attributes.js';
import { matchesStoredPrefix, storedValue } from './stored-value.js';

const NO_PRIORITY = 256;

/**
 * `scanAttributes` with one walk over the span's keys, for spans whose `pnl.custom.*` keys must
 * be found anyway: once the walk is paid for, one map lookup per key is cheaper than probing
 * every alias and allowlisted key (most of which the span does not have). Gives exactly what
 * `lookupAttributes` gives, stored keys in the same order (allowlist order, then span order).
 */
export function walkAttributes(attrs: Attributes, options: CompiledOptions): AttributeScan {
  const attribution: (AttrValue | undefined)[] = new Array<AttrValue | undefined>(ATTRIBUTION_FIELDS.length).fill(undefined);
  const priorities: number[] = new Array<number>(ATTRIBUTION_FIELDS.length).fill(NO_PRIORITY);
  const allowlisted: number[] = [];
  let prefixed: string[] | undefined;
  const keys = Object.keys(attrs);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const code = options.keyCodes.get(key);
    if (code !== undefined) {
      const field = ((code >> 8) & 0xff) - 1;
      if (field >= 0) {
        const priority = code & 0xff;
        const value = attrs[key];
        if (priority < (priorities[field] as number) && isUsableAttribution(field, value)) {
          priorities[field] = priority;
          attribution[field] = value;
        }
      }
      const allow = (code >> 16) - 1;
      if (allow >= 0) {
        insertSorted(allowlisted, allow);
        continue;
      }
    }
    if (matchesStoredPrefix(key, options)) (prefixed ??= []).push(key);
  }
  return { attribution, stored: store(attrs, options, allowlisted, prefixed) };
}

function store(attrs: Attributes, options: CompiledOptions, allowlisted: number[], prefixed: string[] | undefined): Record<string, string> {
  const stored: Record<string, string> = {};
  const max = options.maxStoredAttributes;
  let count = 0;
  for (let i = 0; i < allowlisted.length && count < max; i++) {
    const key = options.storedKeyList[allowlisted[i] as number] as string;
    stored[key] = storedValue(attrs[key], options.maxStoredValueLength);
    count++;
  }
  if (prefixed === undefined) return stored;
  for (let i = 0; i < prefixed.length && count < max; i++) {
    const key = prefixed[i] as string;
    stored[key] = storedValue(attrs[key], options.maxStoredValueLength);
    count++;
  }
  return stored;
}

/** Keeps the few allowlist indexes found in ascending order (cheaper than sorting with a comparator). */
function insertSorted(list: number[], value: number): void {
  let i = list.length;
  list.push(value);
  while (i > 0 && (list[i - 1] as number) > value) {
    list[i] = list[i - 1] as number;
    i--;
  }
  list[i] = value;
}
