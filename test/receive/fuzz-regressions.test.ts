import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OtlpDecodeError } from '../../exporter/src/receive/decode-error.js';
import { decodeTracesJson } from '../../exporter/src/receive/otlp-json-decoder.js';
import { decodeTracesProtobuf } from '../../exporter/src/receive/otlp-protobuf-decoder.js';
import { BodyError, readBody } from '../../exporter/src/receive/read-body.js';
import { MAX_SPANS_PER_REQUEST } from '../../exporter/src/receive/request-limits.js';
import { encodeJson } from '../fuzz/json-encoder.js';
import type { FuzzKeyValue, FuzzRequest } from '../fuzz/otlp-model.js';
import { encodeProtobuf, varint } from '../fuzz/protobuf-encoder.js';

/* Receiver bugs found by `npm run fuzz` (docs/reliability.md, "Fuzzing"), each with its shrunk counterexample. */

const TRACE = 'a'.repeat(32);
const SPAN = 'b'.repeat(16);
const LAYOUT = { layoutSeed: 0, unknownFields: false, paddedVarints: false };

function oneSpan(attributes: FuzzKeyValue[]): FuzzRequest {
  const span = {
    traceId: Buffer.from(TRACE, 'hex'), spanId: Buffer.from(SPAN, 'hex'), parentSpanId: new Uint8Array(0), name: '', kind: 0,
    startNanos: 1_577_836_800_000_000_000n, endNanos: 1_577_836_800_000_000_000n, attributes, events: [], status: undefined,
  };
  return { resourceSpans: [{ resource: undefined, scopeSpans: [{ scope: undefined, spans: [span] }] }] };
}

function jsonSpan(fields: string): string {
  return `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"${SPAN}"${fields}}]}]}]}`;
}

describe('receiver bugs found by fuzzing', () => {
  it.each([
    ['protobuf', (r: FuzzRequest) => decodeTracesProtobuf(encodeProtobuf(r, LAYOUT))],
    ['JSON', (r: FuzzRequest) => decodeTracesJson(encodeJson(r, LAYOUT))],
  ])('%s: an attribute named "__proto__" is an own attribute, not the map\'s prototype', (_encoding, decode) => {
    // Counterexample: attributes [{ key: "__proto__" }] (no value) set the map's prototype to null.
    const [bare] = decode(oneSpan([{ key: '__proto__', value: undefined }]));
    expect(Object.getPrototypeOf(bare!.attributes)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(bare!.attributes, '__proto__')?.value).toBeNull();
    // A kvlist value used to become the prototype: its entries posed as the span's own attributes.
    const [injected] = decode(oneSpan([{ key: '__proto__', value: { kvlist: [{ key: 'pnl.customer.id', value: { string: 'victim' } }] } }]));
    expect(injected!.attributes['pnl.customer.id']).toBeUndefined();
    expect(Object.keys(injected!.attributes)).toEqual(['__proto__']);
  });

  it.each([
    [',"name":{"toString":1}', /span name must be a string, not an object/],
    [',"events":[{"name":{"toString":1}}]', /event name must be a string/],
    [',"attributes":[{"key":"a","value":{"stringValue":{"valueOf":1,"toString":1}}}]', /stringValue must be a string/],
    [',"attributes":[{"key":"a","value":{"doubleValue":{"toString":1}}}]', /doubleValue must be a number or a numeric string/],
  ])('JSON: %s is refused with OtlpDecodeError, not a TypeError from String()/Number()', (fields, message) => {
    expect(() => decodeTracesJson(jsonSpan(fields))).toThrow(OtlpDecodeError);
    expect(() => decodeTracesJson(jsonSpan(fields))).toThrow(message);
  });

  it('JSON: enum names are looked up as own names only ("constructor" was Object, a function, as the span kind)', () => {
    const [span] = decodeTracesJson(jsonSpan(',"kind":"constructor","status":{"code":"__proto__"}'));
    expect(span!.kind).toBe(0);
    expect(span!.statusCode).toBe(0);
  });

  it('JSON: bytesValue (base64) decodes to the same hex as protobuf bytes', () => {
    // Counterexample: bytes [0] decoded as "00" from protobuf but kept as "AA==" from JSON.
    const req = oneSpan([{ key: 'b', value: { bytes: Uint8Array.from([0]) } }, { key: 'c', value: { bytes: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) } }]);
    const [fromJson] = decodeTracesJson(encodeJson(req, LAYOUT));
    const [fromProto] = decodeTracesProtobuf(encodeProtobuf(req, LAYOUT));
    expect(fromJson!.attributes).toEqual({ b: '00', c: 'deadbeef' });
    expect(fromProto!.attributes).toEqual(fromJson!.attributes);
  });

  it(`refuses more than ${MAX_SPANS_PER_REQUEST} spans in one request quickly, in both encodings`, () => {
    // 8,000,000 empty spans (16 MB, 16 KB gzipped) took 9 s and 2 GB of heap to decode.
    const emptySpans = (n: number): Buffer => {
      const spans = Buffer.alloc(n * 2);
      for (let i = 0; i < n; i++) spans[2 * i] = 0x12;
      const scope = Buffer.concat([Buffer.from([0x12]), varint(BigInt(spans.length)), spans]);
      return Buffer.concat([Buffer.from([0x0a]), varint(BigInt(scope.length)), scope]);
    };
    const started = Date.now();
    expect(() => decodeTracesProtobuf(emptySpans(MAX_SPANS_PER_REQUEST + 1))).toThrow(/more than 100000 spans; send smaller batches/);
    expect(Date.now() - started).toBeLessThan(2000);
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[${new Array<string>(MAX_SPANS_PER_REQUEST + 1).fill('{}').join(',')}]}]}]}`;
    expect(() => decodeTracesJson(json)).toThrow(/more than 100000 spans/);
    expect(decodeTracesProtobuf(emptySpans(MAX_SPANS_PER_REQUEST))).toHaveLength(MAX_SPANS_PER_REQUEST);
  });

  it('answers an upload cut off mid-body with a BodyError 400, not an unexpected error', async () => {
    // Counterexample (HTTP): Content-Length 1, no body bytes, then the connection closed.
    let calls = 0;
    const req = Object.assign(
      new Readable({
        read() {
          if (calls++ === 0) this.push(Buffer.from('{"resou'));
          else this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        },
      }),
      { headers: { 'content-length': '100' } },
    ) as unknown as IncomingMessage;
    const err = await readBody(req, 1024).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyError);
    expect(err).toMatchObject({ status: 400, message: expect.stringContaining('not received completely: aborted') });
  });
});
