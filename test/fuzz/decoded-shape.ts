import type { DecodedSpan } from '../../exporter/src/model/decoded-span.js';

/**
 * Throws unless a decoded span has the types `DecodedSpan` promises: whatever the input, a
 * decoder must not hand the pipeline a function where a number goes, or an attribute map whose
 * prototype a sender replaced (`"__proto__"` keys).
 */
export function assertDecodedShape(span: DecodedSpan, where: string): void {
  for (const key of ['traceId', 'spanId', 'parentSpanId', 'name', 'statusMessage', 'scopeName', 'scopeVersion'] as const) {
    if (typeof span[key] !== 'string') throw new Error(`${where}.${key} is ${typeof span[key]}, not a string`);
  }
  for (const key of ['kind', 'startTimeUs', 'endTimeUs', 'statusCode'] as const) {
    if (typeof span[key] !== 'number') throw new Error(`${where}.${key} is ${typeof span[key]}, not a number`);
  }
  if (!Array.isArray(span.eventNames) || span.eventNames.some((e) => typeof e !== 'string')) throw new Error(`${where}.eventNames is not a string array`);
  assertPlainMap(span.attributes, `${where}.attributes`, 0);
  assertPlainMap(span.resource, `${where}.resource`, 0);
}

function assertPlainMap(m: unknown, where: string, depth: number): void {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new Error(`${where} is not an object`);
  if (Object.getPrototypeOf(m) !== Object.prototype) throw new Error(`${where} has had its prototype replaced`);
  for (const [k, v] of Object.entries(m)) assertAttrValue(v, `${where}[${JSON.stringify(k.slice(0, 40))}]`, depth + 1);
}

function assertAttrValue(v: unknown, where: string, depth: number): void {
  if (depth > 64) throw new Error(`${where} nests deeper than any decoder allows`);
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertAttrValue(x, `${where}[${i}]`, depth + 1));
    return;
  }
  if (typeof v === 'object') {
    assertPlainMap(v, where, depth);
    return;
  }
  throw new Error(`${where} is a ${typeof v}, not an attribute value`);
}
