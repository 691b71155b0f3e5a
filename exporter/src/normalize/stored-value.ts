import type { AttrValue } from '../model/decoded-span.js';
import type { CompiledOptions } from './compile-options.js';
import { isContentKey } from './content-keys.js';

/** An attribute value as stored: text, arrays of scalars comma-joined, maps as JSON, cut to `maxLength`. */
export function storedValue(value: AttrValue | undefined, maxLength: number): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else if (value === undefined || value === null) text = '';
  else if (Array.isArray(value) && value.every(isScalar)) text = value.join(',');
  else text = JSON.stringify(value);
  return text.length > maxLength ? text.slice(0, maxLength) : text;
}

/** True when `key` is under a stored prefix (`pnl.custom.`) and not a content key. */
export function matchesStoredPrefix(key: string, options: CompiledOptions): boolean {
  const prefixes = options.storedPrefixes;
  for (let i = 0; i < prefixes.length; i++) {
    // A configured prefix never opens the door to content keys.
    if (key.startsWith(prefixes[i] as string)) return !(options.storedPrefixNeedsCheck[i] === true && isContentKey(key));
  }
  return false;
}

function isScalar(value: AttrValue): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
