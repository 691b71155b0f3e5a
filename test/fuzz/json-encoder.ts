import { hex, type FuzzAnyValue, type FuzzKeyValue, type FuzzRequest, type FuzzSpan } from './otlp-model.js';
import { mulberry32 } from './protobuf-encoder.js';

/*
 * OTLP/JSON for the fuzz model, with the freedom the spec and protobuf's JSON mapping give a
 * sender (lowerCamelCase or proto field names, int64 as string or number, enums as names or
 * numbers, upper-case hex ids, unknown fields), chosen by a seeded PRNG. Also a serializer for
 * JSON that JSON.stringify cannot write: duplicate keys and raw number text such as 1e400.
 */

/** A JSON tree that may hold raw text (`JsonRaw`) and objects with duplicate keys (`JsonEntries`). */
export type JsonNode = null | boolean | number | string | JsonNode[] | JsonRaw | JsonEntries | { [key: string]: JsonNode };

/** Verbatim JSON text, e.g. `1e400` or `-0` or a 400-digit integer. */
export class JsonRaw {
  constructor(readonly text: string) {}
}

/** An object written with its entries in order, duplicates included. */
export class JsonEntries {
  constructor(readonly entries: Array<[string, JsonNode]>) {}
}

export function serializeJson(node: JsonNode): string {
  if (node instanceof JsonRaw) return node.text;
  if (node instanceof JsonEntries) return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${serializeJson(v)}`).join(',')}}`;
  if (Array.isArray(node)) return `[${node.map(serializeJson).join(',')}]`;
  if (node !== null && typeof node === 'object') {
    return `{${Object.keys(node).map((k) => `${JSON.stringify(k)}:${serializeJson(node[k]!)}`).join(',')}}`;
  }
  if (typeof node === 'number' && !Number.isFinite(node)) return 'null';
  return JSON.stringify(node);
}

export interface JsonEncodeOptions {
  layoutSeed: number;
  unknownFields: boolean;
}

const KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** The request as a JSON tree (a plain object tree; no raw nodes). */
export function jsonTree(req: FuzzRequest, options: JsonEncodeOptions): { [key: string]: JsonNode } {
  const rnd = mulberry32(options.layoutSeed);
  const snake = rnd() < 0.2;
  const name = (camel: string, proto: string): string => (snake ? proto : camel);
  const extra = (o: { [key: string]: JsonNode }): { [key: string]: JsonNode } => {
    if (options.unknownFields && rnd() < 0.2) o[`x_unknown_${Math.floor(rnd() * 100)}`] = rnd() < 0.5 ? 'skip me' : { nested: [1, 2, 3] };
    return o;
  };
  const int64 = (v: bigint): JsonNode => (v >= -(2n ** 50n) && v <= 2n ** 50n && rnd() < 0.4 ? Number(v) : v.toString());
  const id = (b: Uint8Array): JsonNode => {
    const h = hex(b);
    return rnd() < 0.2 ? h.toUpperCase() : h;
  };

  const anyValue = (v: FuzzAnyValue): JsonNode => {
    if ('empty' in v) return extra({});
    if ('string' in v) return { stringValue: v.string };
    if ('bool' in v) return { boolValue: v.bool };
    if ('int' in v) return { intValue: int64(v.int) };
    if ('double' in v) {
      const d = v.double;
      // proto3 JSON: NaN and the infinities travel as strings; any double may.
      if (!Number.isFinite(d)) return { doubleValue: String(d) };
      return { doubleValue: rnd() < 0.2 && !Object.is(d, -0) ? String(d) : d };
    }
    if ('bytes' in v) return { bytesValue: Buffer.from(v.bytes).toString('base64') };
    if ('array' in v) return { arrayValue: { values: v.array.map(anyValue) } };
    return { kvlistValue: { values: v.kvlist.map(keyValue) } };
  };
  const keyValue = (kv: FuzzKeyValue): JsonNode => (kv.value === undefined ? { key: kv.key } : { key: kv.key, value: anyValue(kv.value) });

  const span = (s: FuzzSpan): JsonNode => {
    const o: { [key: string]: JsonNode } = {};
    o[name('traceId', 'trace_id')] = id(s.traceId);
    o[name('spanId', 'span_id')] = id(s.spanId);
    if (s.parentSpanId.length > 0 || rnd() < 0.2) o[name('parentSpanId', 'parent_span_id')] = id(s.parentSpanId);
    if (s.name !== '' || rnd() < 0.2) o['name'] = s.name;
    if (s.kind !== 0 || rnd() < 0.2) o['kind'] = s.kind < KIND_NAMES.length && rnd() < 0.5 ? KIND_NAMES[s.kind]! : s.kind;
    o[name('startTimeUnixNano', 'start_time_unix_nano')] = s.startNanos < 2n ** 50n && rnd() < 0.3 ? Number(s.startNanos) : s.startNanos.toString();
    o[name('endTimeUnixNano', 'end_time_unix_nano')] = s.endNanos < 2n ** 50n && rnd() < 0.3 ? Number(s.endNanos) : s.endNanos.toString();
    if (s.attributes.length > 0 || rnd() < 0.3) o['attributes'] = s.attributes.map(keyValue);
    if (s.events.length > 0) o['events'] = s.events.map((e) => ({ timeUnixNano: '0', name: e }));
    if (s.status !== undefined) {
      const st: { [key: string]: JsonNode } = {};
      if (s.status.message !== '' || rnd() < 0.3) st['message'] = s.status.message;
      if (s.status.code !== 0 || rnd() < 0.3) st['code'] = s.status.code < STATUS_NAMES.length && rnd() < 0.5 ? STATUS_NAMES[s.status.code]! : s.status.code;
      o['status'] = st;
    }
    return extra(o);
  };

  return extra({
    [name('resourceSpans', 'resource_spans')]: req.resourceSpans.map((rs) => {
      const o: { [key: string]: JsonNode } = {};
      if (rs.resource !== undefined) o['resource'] = extra({ attributes: rs.resource.map(keyValue) });
      o[name('scopeSpans', 'scope_spans')] = rs.scopeSpans.map((ss) => {
        const so: { [key: string]: JsonNode } = {};
        if (ss.scope !== undefined) so['scope'] = { name: ss.scope.name, version: ss.scope.version };
        so['spans'] = ss.spans.map(span);
        return extra(so);
      });
      return extra(o);
    }),
  });
}

export function encodeJson(req: FuzzRequest, options: JsonEncodeOptions): Buffer {
  return Buffer.from(serializeJson(jsonTree(req, options)), 'utf8');
}
