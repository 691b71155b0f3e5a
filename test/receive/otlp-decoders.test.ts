import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { OtlpDecodeError } from '../../exporter/src/receive/decode-error.js';
import { decodeTracesJson } from '../../exporter/src/receive/otlp-json-decoder.js';
import { decodeTracesProtobuf } from '../../exporter/src/receive/otlp-protobuf-decoder.js';
import { sdkSpans } from '../helpers/sdk-spans.js';

const attributes = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.usage.input_tokens': 1000,
  'gen_ai.usage.output_tokens': 200,
  'neg.int': -42,
  'big.int': 2 ** 40 + 7,
  'a.double': 0.25,
  'a.bool': true,
  'str.array': ['a', 'b'],
  'num.array': [1, 2, 3],
  'pnl.customer.id': 'cust_ünïcode',
};

describe('OTLP decoders', () => {
  it('decode what the official OTel serializers encode, identically in protobuf and JSON', async () => {
    const spans = await sdkSpans([
      { name: 'chat gpt-4o-mini', attributes, events: ['exception'], error: true },
      { name: 'other', attributes: { x: 'y' } },
    ]);
    const proto = decodeTracesProtobuf(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!));
    const json = decodeTracesJson(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!));
    expect(proto).toEqual(json);
    expect(proto).toHaveLength(3);

    const chat = proto.find((s) => s.name === 'chat gpt-4o-mini')!;
    const sdk = spans.find((s) => s.name === 'chat gpt-4o-mini')!;
    expect(chat.traceId).toBe(sdk.spanContext().traceId);
    expect(chat.spanId).toBe(sdk.spanContext().spanId);
    expect(chat.parentSpanId).toBe(sdk.parentSpanContext!.spanId);
    expect(chat.startTimeUs).toBe(sdk.startTime[0] * 1e6 + Math.floor(sdk.startTime[1] / 1000));
    expect(chat.endTimeUs).toBe(sdk.endTime[0] * 1e6 + Math.floor(sdk.endTime[1] / 1000));
    expect(chat.kind).toBe(3); // CLIENT in OTLP numbering
    expect(chat.statusCode).toBe(2);
    expect(chat.statusMessage).toBe('boom');
    expect(chat.eventNames).toEqual(['exception']);
    expect(chat.attributes).toEqual(attributes);
    expect(chat.resource['service.name']).toBe('test-app');
    expect(chat.scopeName).toBe('test-scope');
    expect(chat.scopeVersion).toBe('1.2.3');
    const root = proto.find((s) => s.name === 'root')!;
    expect(root.parentSpanId).toBe('');
  });

  it('reject garbage, truncated and inconsistent protobuf with OtlpDecodeError', async () => {
    const spans = await sdkSpans([{ name: 'chat gpt-4o', attributes }]);
    const good = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    expect(() => decodeTracesProtobuf(Buffer.from('this is not protobuf at all'))).toThrow(OtlpDecodeError);
    expect(() => decodeTracesProtobuf(good.subarray(0, good.length - 7))).toThrow(OtlpDecodeError);
    const corrupted = Buffer.from(good);
    corrupted[1] = 0x7f; // the outer length now disagrees with the nested messages
    expect(() => decodeTracesProtobuf(corrupted)).toThrow(OtlpDecodeError);
  });

  it('reject field number 0, at the top and inside a span, so a run of zero bytes is not an empty request', async () => {
    expect(() => decodeTracesProtobuf(Buffer.alloc(4096))).toThrow(/invalid field number 0/);
    const spans = await sdkSpans([{ name: 'chat gpt-4o', attributes }]);
    const good = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    // A span's name field (5, length-delimited) turned into field 0 of the same wire type.
    const nameTag = good.indexOf(Buffer.from([(5 << 3) | 2, 'chat gpt-4o'.length]));
    expect(nameTag).toBeGreaterThan(0);
    const zeroField = Buffer.from(good);
    zeroField[nameTag] = 2;
    expect(() => decodeTracesProtobuf(zeroField)).toThrow(/invalid field number 0/);
    expect(decodeTracesProtobuf(Buffer.alloc(0))).toEqual([]); // an empty request is still valid
  });

  it('skip unknown fields sent as groups, nested too, and refuse a group left open or closed by another field', async () => {
    const spans = await sdkSpans([{ name: 'chat gpt-4o', attributes }]);
    const good = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    const tag = (field: number, wire: number): number[] => [((field << 3) | wire) | 0x80, field >> 4]; // a two-byte varint (fields 16-2047)
    // Field 20 as a group holding a varint and group 21 (itself holding a fixed32), before the request's own field.
    const group = Buffer.from([...tag(20, 3), ...tag(1, 0), 7, ...tag(21, 3), ...tag(2, 5), 1, 2, 3, 4, ...tag(21, 4), ...tag(20, 4)]);
    expect(decodeTracesProtobuf(Buffer.concat([group, good]))).toEqual(decodeTracesProtobuf(good));
    expect(decodeTracesProtobuf(Buffer.concat([good, group]))).toEqual(decodeTracesProtobuf(good));
    expect(() => decodeTracesProtobuf(Buffer.concat([group.subarray(0, group.length - 2), good]))).toThrow(/does not match its start|has no end/);
    expect(() => decodeTracesProtobuf(Buffer.concat([good, group.subarray(0, group.length - 2)]))).toThrow(/group of field 20 has no end/);
    expect(() => decodeTracesProtobuf(Buffer.concat([Buffer.from(tag(20, 4)), good]))).toThrow(/end of group without its start/);
    const deep = Buffer.from([...Array.from({ length: 17 }, () => tag(20, 3)).flat(), ...Array.from({ length: 17 }, () => tag(20, 4)).flat()]);
    expect(() => decodeTracesProtobuf(deep)).toThrow(/nested deeper than 16/);
  });

  it('never throws anything but OtlpDecodeError on random or mutated bytes', async () => {
    const spans = await sdkSpans([{ name: 'chat gpt-4o', attributes }]);
    const good = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let decoded = 0;
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.from(good);
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) buf[Math.floor(rand() * buf.length)] = Math.floor(rand() * 256);
      try {
        decodeTracesProtobuf(buf);
        decoded++;
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });

  it('refuses attribute values nested past the depth limit', () => {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value] } };
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), attributes: [{ key: 'deep', value }] }] }] }] });
    expect(() => decodeTracesJson(body)).toThrow(/nested deeper/);
  });

  it('reports invalid JSON and wrong shapes clearly', () => {
    expect(() => decodeTracesJson('{"resourceSpans": [')).toThrow(/not valid JSON/);
    expect(() => decodeTracesJson('[1,2]')).toThrow(/JSON object/);
    expect(() => decodeTracesJson('{"resourceSpans": {"a": 1}}')).toThrow(/must be an array/);
    expect(decodeTracesJson('{}')).toEqual([]);
  });

  it('reads JSON int64 strings and enum names', () => {
    const body = {
      resourceSpans: [{
        scopeSpans: [{
          scope: { name: 's' },
          spans: [{
            traceId: 'AB'.repeat(16), spanId: 'cd'.repeat(8), name: 'n', kind: 'SPAN_KIND_CLIENT',
            startTimeUnixNano: '1763892000123456789', endTimeUnixNano: 1763892000223456000,
            status: { code: 'STATUS_CODE_ERROR' },
            attributes: [{ key: 'n', value: { intValue: '123' } }],
          }],
        }],
      }],
    };
    const [span] = decodeTracesJson(JSON.stringify(body));
    expect(span).toMatchObject({ traceId: 'ab'.repeat(16), kind: 3, statusCode: 2, startTimeUs: 1763892000123456, attributes: { n: 123 } });
  });
});
