import type { AttrValue, Attributes, DecodedSpan } from '../../exporter/src/model/decoded-span.js';

/*
 * A wire-independent model of an OTLP ExportTraceServiceRequest, as the fuzz arbitraries
 * generate it. It is encoded to protobuf (protobuf-encoder.ts) and JSON (json-encoder.ts), and
 * `expectedSpans` says what the decoders must give back for it.
 */

/** One AnyValue; `empty` is a value message with no oneof set (decoded as null). */
export type FuzzAnyValue =
  | { string: string }
  | { bool: boolean }
  | { int: bigint }
  | { double: number }
  | { bytes: Uint8Array }
  | { array: FuzzAnyValue[] }
  | { kvlist: FuzzKeyValue[] }
  | { empty: true };

export interface FuzzKeyValue {
  key: string;
  /** undefined: the KeyValue has no value field at all. */
  value: FuzzAnyValue | undefined;
}

export interface FuzzSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  name: string;
  /** OTLP SpanKind as sent (0..5 normally; any uint31 to probe). */
  kind: number;
  /** Unsigned 64-bit nanoseconds since the epoch. */
  startNanos: bigint;
  endNanos: bigint;
  attributes: FuzzKeyValue[];
  events: string[];
  status: { code: number; message: string } | undefined;
}

export interface FuzzScopeSpans {
  scope: { name: string; version: string } | undefined;
  spans: FuzzSpan[];
}

export interface FuzzResourceSpans {
  resource: FuzzKeyValue[] | undefined;
  scopeSpans: FuzzScopeSpans[];
}

export interface FuzzRequest {
  resourceSpans: FuzzResourceSpans[];
}

/** Nesting limit of both decoders: an AnyValue deeper than this is refused with OtlpDecodeError. */
export const DECODER_MAX_VALUE_DEPTH = 16;

/** The deepest AnyValue depth in a request (top-level attribute values are depth 0), or -1 when it has none. */
export function maxValueDepth(req: FuzzRequest): number {
  let max = -1;
  const visit = (v: FuzzAnyValue | undefined, depth: number): void => {
    if (v === undefined) return;
    max = Math.max(max, depth);
    if ('array' in v) for (const x of v.array) visit(x, depth + 1);
    else if ('kvlist' in v) for (const kv of v.kvlist) visit(kv.value, depth + 1);
  };
  for (const rs of req.resourceSpans) {
    for (const kv of rs.resource ?? []) visit(kv.value, 0);
    for (const ss of rs.scopeSpans) for (const s of ss.spans) for (const kv of s.attributes) visit(kv.value, 0);
  }
  return max;
}

export function spanCount(req: FuzzRequest): number {
  let n = 0;
  for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

export type WireEncoding = 'protobuf' | 'json';

/** What a decoder must return for `req` sent in `encoding` (decoders are exact up to 2^53). */
export function expectedSpans(req: FuzzRequest, encoding: WireEncoding): DecodedSpan[] {
  const out: DecodedSpan[] = [];
  for (const rs of req.resourceSpans) {
    const resource = rs.resource === undefined ? {} : attributesOf(rs.resource, encoding);
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        out.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: text(s.name, encoding),
          kind: s.kind,
          startTimeUs: micros(s.startNanos),
          endTimeUs: micros(s.endNanos),
          statusCode: s.status?.code ?? 0,
          statusMessage: text(s.status?.message ?? '', encoding),
          attributes: attributesOf(s.attributes, encoding),
          resource,
          scopeName: text(ss.scope?.name ?? '', encoding),
          scopeVersion: text(ss.scope?.version ?? '', encoding),
          eventNames: s.events.map((e) => text(e, encoding)),
        });
      }
    }
  }
  return out;
}

function attributesOf(kvs: readonly FuzzKeyValue[], encoding: WireEncoding): Attributes {
  const out: Attributes = {};
  for (const kv of kvs) {
    // Own property even for "__proto__": later duplicates win, as in the SDKs.
    Object.defineProperty(out, text(kv.key, encoding), { value: valueOf(kv.value, encoding), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function valueOf(v: FuzzAnyValue | undefined, encoding: WireEncoding): AttrValue {
  if (v === undefined || 'empty' in v) return null;
  if ('string' in v) return text(v.string, encoding);
  if ('bool' in v) return v.bool;
  if ('int' in v) return Number(v.int);
  if ('double' in v) return v.double;
  if ('bytes' in v) return hex(v.bytes);
  if ('array' in v) return v.array.map((x) => valueOf(x, encoding));
  return attributesOf(v.kvlist, encoding);
}

/** Protobuf strings go through UTF-8, which turns lone surrogates into U+FFFD; JSON keeps them (as \u escapes). */
function text(s: string, encoding: WireEncoding): string {
  return encoding === 'protobuf' ? Buffer.from(s, 'utf8').toString('utf8') : s;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function micros(nanos: bigint): number {
  return Number(nanos / 1000n);
}

/**
 * Deep equality of decoded spans with the decoders' documented precision: numbers are equal
 * (NaN equals NaN, and -0 equals 0 because JSON cannot carry -0), or, beyond 2^53 where the
 * decoders round, within 2 ulp. Returns the first difference as a path, or undefined.
 */
export function firstDifference(actual: unknown, expected: unknown, path = '$'): string | undefined {
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return `${path}: expected number ${expected}, got ${describe(actual)}`;
    if (actual === expected || (Number.isNaN(actual) && Number.isNaN(expected))) return undefined;
    if (Math.abs(expected) > Number.MAX_SAFE_INTEGER && Math.abs(actual - expected) <= Math.abs(expected) * 2 ** -51) return undefined;
    return `${path}: expected ${expected}, got ${actual}`;
  }
  if (expected === null || typeof expected !== 'object') {
    return Object.is(actual, expected) ? undefined : `${path}: expected ${describe(expected)}, got ${describe(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${describe(actual)}`;
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(actual[i], expected[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object, got ${describe(actual)}`;
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  const ak = Object.keys(a).sort();
  const ek = Object.keys(e).sort();
  if (ak.length !== ek.length || ak.some((k, i) => k !== ek[i])) return `${path}: keys ${JSON.stringify(ak).slice(0, 200)} != expected ${JSON.stringify(ek).slice(0, 200)}`;
  if (Object.getPrototypeOf(a) !== Object.prototype) return `${path}: the object's prototype was replaced`;
  for (const k of ek) {
    const d = firstDifference(a[k], e[k], `${path}.${k}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}
