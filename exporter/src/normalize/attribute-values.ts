import type { AttrValue, Attributes } from '../model/decoded-span.js';

/** The attribute as text: strings as they are, numbers and booleans printed, anything else ''. */
export function stringAttr(attrs: Attributes, key: string): string {
  return scalarText(attrs[key]);
}

/** The first of `keys` that holds a non-empty scalar, as text; '' when none does. */
export function firstStringAttr(attrs: Attributes, keys: readonly string[]): string {
  for (const key of keys) {
    const text = scalarText(attrs[key]);
    if (text !== '') return text;
  }
  return '';
}

/** Text of a scalar attribute value; '' for absent, null, arrays and maps. */
export function scalarText(value: AttrValue | undefined): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}
