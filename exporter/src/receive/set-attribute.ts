import type { AttrValue, Attributes } from '../model/decoded-span.js';

/**
 * `into[key] = value`, except that the key "__proto__" becomes an own attribute. Assigned, it
 * would replace the map's prototype instead (found by fuzzing): the attribute was lost, and a
 * kvlist value posed as inherited attributes of the span (or a null value stripped the map of
 * Object.prototype). Both decoders store every attribute through here.
 */
export function setAttribute(into: Attributes, key: string, value: AttrValue): void {
  if (key === '__proto__') Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  else into[key] = value;
}
