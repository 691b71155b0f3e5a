import fc from 'fast-check';
import { varint } from './protobuf-encoder.js';

/*
 * Inputs too deep or too large for the recursive model encoders, built iteratively: AnyValues
 * nested 0 to 200,000 levels (the decoders refuse past 16 without recursing that deep), and
 * requests with very many spans, attributes, events or array items, or very long strings.
 */

export type NestKind = 'array' | 'kvlist' | 'mixed';

export interface DeepInput {
  depth: number;
  kind: NestKind;
  /** Span attribute, resource attribute, or an unknown field (the decoder skips it without looking inside). */
  where: 'span' | 'resource' | 'unknown-field';
}

export const deepInputArb: fc.Arbitrary<DeepInput> = fc.record({
  depth: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(15, 16, 17, 18), fc.integer({ min: 10_000, max: 60_000 })),
  kind: fc.constantFrom<NestKind>('array', 'kvlist', 'mixed'),
  where: fc.constantFrom<DeepInput['where']>('span', 'resource', 'unknown-field'),
});

const TRACE_ID = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex');
const SPAN_ID = Buffer.from('b7ad6b7169203331', 'hex');

function ld(tag: number, payload: Buffer): Buffer {
  return Buffer.concat([varint(BigInt(tag)), varint(BigInt(payload.length)), payload]);
}

/** A protobuf request with one span whose attribute "deep" nests `depth` levels. */
export function deepProtobuf(input: DeepInput): Buffer {
  const leaf = ld(0x0a, Buffer.from('leaf'));
  // Prefixes from the outside in; each wraps everything after it, so lengths are summed inside out.
  const prefixes: Buffer[] = new Array<Buffer>(input.depth);
  let inner = leaf.length;
  for (let i = input.depth - 1; i >= 0; i--) {
    const kvlist = input.kind === 'kvlist' || (input.kind === 'mixed' && i % 2 === 1);
    let p: Buffer;
    if (kvlist) {
      const kvBody = 3 + 1 + varint(BigInt(inner)).length + inner; // key "k", then value
      const listBody = 1 + varint(BigInt(kvBody)).length + kvBody;
      p = Buffer.concat([Buffer.from([0x32]), varint(BigInt(listBody)), Buffer.from([0x0a]), varint(BigInt(kvBody)), Buffer.from([0x0a, 0x01, 0x6b, 0x12]), varint(BigInt(inner))]);
    } else {
      const arrBody = 1 + varint(BigInt(inner)).length + inner;
      p = Buffer.concat([Buffer.from([0x2a]), varint(BigInt(arrBody)), Buffer.from([0x0a]), varint(BigInt(inner))]);
    }
    prefixes[i] = p;
    inner += p.length;
  }
  const value = Buffer.concat([...prefixes, leaf]);
  const kv = Buffer.concat([ld(0x0a, Buffer.from('deep')), ld(0x12, value)]);
  const times = Buffer.concat([Buffer.from([0x39]), u64(1_763_892_000_000_000_000n), Buffer.from([0x41]), u64(1_763_892_001_000_000_000n)]);
  const spanFields = [ld(0x0a, TRACE_ID), ld(0x12, SPAN_ID), ld(0x2a, Buffer.from('deep span')), times];
  if (input.where === 'span') spanFields.push(ld(0x4a, kv));
  if (input.where === 'unknown-field') spanFields.push(ld(0x7fa, value)); // field 255, length-delimited
  const scope = ld(0x12, ld(0x12, Buffer.concat(spanFields)));
  const resource = input.where === 'resource' ? ld(0x0a, ld(0x0a, kv)) : Buffer.alloc(0);
  return ld(0x0a, Buffer.concat([resource, scope]));
}

/** The same as OTLP/JSON. */
export function deepJson(input: DeepInput): Buffer {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < input.depth; i++) {
    const kvlist = input.kind === 'kvlist' || (input.kind === 'mixed' && i % 2 === 1);
    open.push(kvlist ? '{"kvlistValue":{"values":[{"key":"k","value":' : '{"arrayValue":{"values":[');
    close.push(kvlist ? '}]}}' : ']}}');
  }
  const value = `${open.join('')}{"stringValue":"leaf"}${close.reverse().join('')}`;
  const attr = `[{"key":"deep","value":${value}}]`;
  const span = `{"traceId":"${TRACE_ID.toString('hex')}","spanId":"${SPAN_ID.toString('hex')}","name":"deep span","startTimeUnixNano":"1763892000000000000","endTimeUnixNano":"1763892001000000000"${
    input.where === 'span' ? `,"attributes":${attr}` : input.where === 'unknown-field' ? `,"x_unknown":${value}` : ''
  }}`;
  const resource = input.where === 'resource' ? `"resource":{"attributes":${attr}},` : '';
  return Buffer.from(`{"resourceSpans":[{${resource}"scopeSpans":[{"spans":[${span}]}]}]}`);
}

function u64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}

export type HugeShape = 'spans' | 'attributes' | 'string' | 'events' | 'array-items' | 'resource-spans';

export interface HugeInput {
  shape: HugeShape;
  count: number;
  encoding: 'protobuf' | 'json';
}

/** Counts up to 300,000 elements (a few MB): past MAX_SPANS_PER_REQUEST for spans, and large for everything else. */
export const hugeInputArb: fc.Arbitrary<HugeInput> = fc.record({
  shape: fc.constantFrom<HugeShape>('spans', 'attributes', 'string', 'events', 'array-items', 'resource-spans'),
  count: fc.oneof(fc.integer({ min: 1000, max: 50_000 }), fc.integer({ min: 50_000, max: 300_000 }), fc.constantFrom(99_999, 100_000, 100_001)),
  encoding: fc.constantFrom<'protobuf' | 'json'>('protobuf', 'json'),
});

/** Builds a request with `count` of the shape's element; the smallest encoding of each, to get the most per byte. */
export function hugeBody(input: HugeInput): Buffer {
  const { shape, count } = input;
  if (input.encoding === 'json') {
    const rep = (s: string): string => new Array<string>(count).fill(s).join(',');
    const span = (extra: string): string => `{"traceId":"${TRACE_ID.toString('hex')}","spanId":"${SPAN_ID.toString('hex')}","startTimeUnixNano":"1","endTimeUnixNano":"2"${extra}}`;
    switch (shape) {
      case 'spans': return Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${rep('{}')}]}]}]}`);
      case 'resource-spans': return Buffer.from(`{"resourceSpans":[${rep('{}')}]}`);
      case 'attributes': {
        const kvs = Array.from({ length: count }, (_, i) => `{"key":"k${i}","value":{"intValue":"${i}"}}`).join(',');
        return Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${span(`,"attributes":[${kvs}]`)}]}]}]}`);
      }
      case 'string': return Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${span(`,"name":"${'x'.repeat(count * 8)}"`)}]}]}]}`);
      case 'events': return Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${span(`,"events":[${rep('{"name":"e"}')}]`)}]}]}]}`);
      case 'array-items': return Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${span(`,"attributes":[{"key":"a","value":{"arrayValue":{"values":[${rep('{"intValue":1}')}]}}}]`)}]}]}]}`);
    }
  }
  const repeat = (unit: Buffer): Buffer => Buffer.concat(new Array<Buffer>(count).fill(unit));
  const spanWith = (fields: Buffer): Buffer => ld(0x12, Buffer.concat([ld(0x0a, TRACE_ID), ld(0x12, SPAN_ID), fields]));
  const request = (spans: Buffer): Buffer => ld(0x0a, ld(0x12, spans));
  switch (shape) {
    case 'spans': return request(repeat(Buffer.from([0x12, 0x00])));
    case 'resource-spans': return repeat(Buffer.from([0x0a, 0x00]));
    case 'attributes': {
      const kvs: Buffer[] = [];
      for (let i = 0; i < count; i++) kvs.push(ld(0x4a, ld(0x0a, Buffer.from(i.toString(36)))));
      return request(spanWith(Buffer.concat(kvs)));
    }
    case 'string': return request(spanWith(ld(0x2a, Buffer.alloc(count * 8, 0x78))));
    case 'events': return request(spanWith(repeat(Buffer.from([0x5a, 0x00]))));
    case 'array-items': return request(spanWith(ld(0x4a, Buffer.concat([ld(0x0a, Buffer.from('a')), ld(0x12, ld(0x2a, repeat(Buffer.from([0x0a, 0x02, 0x18, 0x01]))))]))));
  }
}
