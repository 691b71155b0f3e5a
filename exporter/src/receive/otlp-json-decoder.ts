import type { AttrValue, Attributes, DecodedSpan } from '../model/decoded-span.js';
import { OtlpDecodeError } from './decode-error.js';
import { MAX_SPANS_PER_REQUEST, tooManySpans } from './request-limits.js';
import { setAttribute } from './set-attribute.js';

/*
 * OTLP/JSON per the OTLP spec: lowerCamelCase field names (the proto names are accepted too, as
 * protobuf's JSON mapping does), trace and span ids as hex strings, 64-bit integers as decimal
 * strings or numbers, enums as integers or their names.
 */

type Json = Record<string, unknown>;

const MAX_VALUE_DEPTH = 16;
const EMPTY_ATTRS: Attributes = Object.freeze({}) as Attributes;

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/** Decodes an OTLP/HTTP JSON trace request body (already decompressed). Throws OtlpDecodeError. */
export function decodeTracesJson(body: Buffer | string): DecodedSpan[] {
  let root: unknown;
  try {
    root = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(`body is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(root)) throw new OtlpDecodeError('body must be a JSON object with a "resourceSpans" array');
  const spans: DecodedSpan[] = [];
  for (const rs of list(root, 'resourceSpans', 'resource_spans', 'request')) {
    if (!isObject(rs)) throw new OtlpDecodeError('each resourceSpans entry must be an object');
    const res = rs['resource'];
    const resource = isObject(res) ? readAttributes(res['attributes'], 0) : EMPTY_ATTRS;
    for (const ss of list(rs, 'scopeSpans', 'scope_spans', 'resourceSpans entry')) {
      if (!isObject(ss)) throw new OtlpDecodeError('each scopeSpans entry must be an object');
      const scope = isObject(ss['scope']) ? ss['scope'] : {};
      const scopeName = str(scope['name'], 'scope name');
      const scopeVersion = str(scope['version'], 'scope version');
      for (const s of list(ss, 'spans', 'spans', 'scopeSpans entry')) {
        if (!isObject(s)) throw new OtlpDecodeError('each span must be an object');
        if (spans.length >= MAX_SPANS_PER_REQUEST) throw tooManySpans();
        spans.push(readSpan(s, resource, scopeName, scopeVersion));
      }
    }
  }
  return spans;
}

function readSpan(s: Json, resource: Attributes, scopeName: string, scopeVersion: string): DecodedSpan {
  const status = isObject(s['status']) ? s['status'] : {};
  const events = s['events'];
  return {
    traceId: hexId(s['traceId'] ?? s['trace_id']),
    spanId: hexId(s['spanId'] ?? s['span_id']),
    parentSpanId: hexId(s['parentSpanId'] ?? s['parent_span_id']),
    name: str(s['name'], 'span name'),
    kind: enumValue(s['kind'], SPAN_KINDS),
    startTimeUs: nanosToMicros(s['startTimeUnixNano'] ?? s['start_time_unix_nano']),
    endTimeUs: nanosToMicros(s['endTimeUnixNano'] ?? s['end_time_unix_nano']),
    statusCode: enumValue(status['code'], STATUS_CODES),
    statusMessage: str(status['message'], 'status message'),
    attributes: readAttributes(s['attributes'], 0),
    resource,
    scopeName,
    scopeVersion,
    eventNames: Array.isArray(events) ? events.map((e) => (isObject(e) ? str(e['name'], 'event name') : '')) : [],
  };
}

function readAttributes(kvs: unknown, depth: number): Attributes {
  if (kvs === undefined || kvs === null) return {};
  if (!Array.isArray(kvs)) throw new OtlpDecodeError('"attributes" must be an array of {key, value}');
  const out: Attributes = {};
  for (const kv of kvs) {
    if (!isObject(kv) || typeof kv['key'] !== 'string') throw new OtlpDecodeError('each attribute must be an object with a string "key"');
    setAttribute(out, kv['key'], readAnyValue(kv['value'], depth));
  }
  return out;
}

function readAnyValue(v: unknown, depth: number): AttrValue {
  if (depth > MAX_VALUE_DEPTH) throw new OtlpDecodeError(`attribute value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (!isObject(v)) return null;
  if ('stringValue' in v) return str(v['stringValue'], 'stringValue');
  if ('intValue' in v) return intValue(v['intValue']);
  if ('doubleValue' in v) return doubleValue(v['doubleValue']);
  if ('boolValue' in v) return v['boolValue'] === true || v['boolValue'] === 'true';
  if ('arrayValue' in v) {
    const arr = isObject(v['arrayValue']) ? v['arrayValue']['values'] : undefined;
    return Array.isArray(arr) ? arr.map((x) => readAnyValue(x, depth + 1)) : [];
  }
  if ('kvlistValue' in v) {
    const kvl = isObject(v['kvlistValue']) ? v['kvlistValue']['values'] : undefined;
    return readAttributes(kvl, depth + 1);
  }
  // Base64 in OTLP/JSON (as the OTel SDKs send it), hex after decoding, as protobuf bytes are:
  // the value must not depend on the wire encoding (the base64 text was kept before fuzzing found it).
  if ('bytesValue' in v) return Buffer.from(str(v['bytesValue'], 'bytesValue'), 'base64').toString('hex');
  return null;
}

/** proto3 JSON: a number, or a string such as "1.5", "NaN" or "-Infinity"; null is the default 0. */
function doubleValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (v === null) return 0;
  // Number() of an object calls its (sender-chosen) valueOf/toString, and throws when those are not functions.
  throw new OtlpDecodeError(`doubleValue must be a number or a numeric string, not ${kindOf(v)}`);
}

function intValue(v: unknown): AttrValue {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  // Keep the raw text so the normalizer can say exactly what was wrong with it.
  return typeof v === 'string' ? v : null;
}

/** Nanoseconds (decimal string or number) to integer microseconds, exactly for strings. */
function nanosToMicros(v: unknown): number {
  if (typeof v === 'string') {
    if (!/^\d+$/.test(v)) throw new OtlpDecodeError(`timestamp "${v.slice(0, 40)}" is not a decimal nanosecond count`);
    return v.length <= 3 ? 0 : Number(v.slice(0, -3));
  }
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v / 1000);
  if (v === undefined || v === null) return 0;
  throw new OtlpDecodeError('timestamps must be decimal strings or numbers of nanoseconds');
}

function hexId(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v !== 'string') throw new OtlpDecodeError('trace and span ids must be hex strings');
  return v.toLowerCase();
}

function enumValue(v: unknown, names: Record<string, number>): number {
  if (typeof v === 'number') return v;
  // Own names only: "constructor" or "__proto__" must not find Object.prototype's members (found by fuzzing).
  if (typeof v === 'string') return Object.hasOwn(names, v) ? names[v]! : Number.parseInt(v, 10) || 0;
  return 0;
}

function list(o: Json, camel: string, snake: string, where: string): unknown[] {
  const v = o[camel] ?? o[snake];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`"${camel}" in the ${where} must be an array`);
  return v;
}

/**
 * A string field: numbers and booleans are printed, absent or null is ''. An object or array is
 * refused: String() of a JSON object calls its own "toString" member if it has one, which throws
 * TypeError when that is not a function (found by fuzzing), and "[object Object]" is no name anyway.
 */
function str(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') throw new OtlpDecodeError(`${what} must be a string, not ${kindOf(v)}`);
  return String(v);
}

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
