import type { FuzzAnyValue, FuzzKeyValue, FuzzRequest, FuzzSpan } from './otlp-model.js';

/*
 * A small protobuf encoder for the fuzz model (field numbers of opentelemetry-proto
 * trace/v1/trace.proto and common/v1/common.proto). Layout choices a valid encoder may make
 * (unknown fields, default values written or not, non-canonical padded varints, ScopeSpans
 * before the Resource) come from a seeded PRNG, so an input is reproducible from fast-check's
 * seed. A fault can be injected at the n-th field written: the encodings that real corruption
 * and hostile senders produce (wrong wire types, overrunning or huge lengths, 11-byte varints).
 */

export type ProtobufFault =
  | 'length-overrun'
  | 'length-short'
  | 'length-huge'
  | 'wire-type'
  | 'overlong-varint'
  | 'unterminated-varint'
  | 'field-zero'
  | 'truncate-inside';

export const PROTOBUF_FAULTS: readonly ProtobufFault[] = [
  'length-overrun',
  'length-short',
  'length-huge',
  'wire-type',
  'overlong-varint',
  'unterminated-varint',
  'field-zero',
  'truncate-inside',
];

export interface EncodeOptions {
  /** Seeds the layout choices. */
  layoutSeed: number;
  /** Add fields the decoder must skip (unknown numbers, and known ones it ignores). */
  unknownFields: boolean;
  /** Pad varints to non-canonical (but valid, at most 10-byte) forms. */
  paddedVarints: boolean;
  /** Inject `fault` at field number `at` (modulo the fields written). */
  fault?: { at: number; kind: ProtobufFault; amount: number };
}

type Wire = 0 | 1 | 2 | 5;

/** Encodes the request; with a fault, returns the corrupted bytes. */
export function encodeProtobuf(req: FuzzRequest, options: EncodeOptions): Buffer {
  if (options.fault === undefined) return new Encoder(options, -1).request(req);
  const fields = new Encoder({ ...options, fault: undefined }, -1);
  fields.request(req);
  // A request without fields (no resourceSpans) has nowhere to put a fault: it stays valid.
  if (fields.fieldsWritten === 0) return fields.request(req);
  const enc = new Encoder(options, options.fault.at % fields.fieldsWritten);
  const out = enc.request(req);
  return enc.truncateAt >= 0 ? out.subarray(0, Math.min(out.length, enc.truncateAt)) : out;
}

class Encoder {
  fieldsWritten = 0;
  /** For `truncate-inside`: the marker found in the output, resolved in `request`. */
  truncateAt = -1;
  private marker: Buffer | undefined;
  private rnd: () => number;

  constructor(
    private readonly options: EncodeOptions,
    private readonly faultIndex: number,
  ) {
    this.rnd = mulberry32(options.layoutSeed);
  }

  request(req: FuzzRequest): Buffer {
    const parts = req.resourceSpans.map((rs) => {
      const inner: Buffer[] = [];
      const resource = rs.resource === undefined ? undefined : this.len(1, this.message(rs.resource.map((kv) => this.len(1, this.keyValue(kv)))));
      const scopes = rs.scopeSpans.map((ss) => {
        const body: Buffer[] = [];
        if (ss.scope !== undefined) body.push(this.len(1, this.message([this.str(1, ss.scope.name), this.str(2, ss.scope.version)])));
        for (const s of ss.spans) body.push(this.len(2, this.span(s)));
        return this.len(2, this.message(body));
      });
      // The decoder must accept ScopeSpans before the Resource.
      if (resource !== undefined && this.rnd() < 0.2) inner.push(...scopes, resource);
      else inner.push(...(resource === undefined ? [] : [resource]), ...scopes);
      return this.len(1, this.message(inner));
    });
    const out = this.message(parts);
    if (this.marker !== undefined) {
      const at = out.indexOf(this.marker);
      this.truncateAt = at < 0 ? out.length : at + Math.min(this.marker.length, this.options.fault!.amount % (this.marker.length + 1));
    }
    return out;
  }

  private span(s: FuzzSpan): Buffer {
    const f: Buffer[] = [];
    f.push(this.bytesField(1, s.traceId), this.bytesField(2, s.spanId));
    if (s.parentSpanId.length > 0 || this.rnd() < 0.2) f.push(this.bytesField(4, s.parentSpanId));
    if (s.name !== '' || this.rnd() < 0.2) f.push(this.str(5, s.name));
    if (s.kind !== 0 || this.rnd() < 0.2) f.push(this.varintField(6, BigInt(s.kind)));
    f.push(this.fixed64Field(7, s.startNanos), this.fixed64Field(8, s.endNanos));
    for (const kv of s.attributes) f.push(this.len(9, this.keyValue(kv)));
    for (const e of s.events) f.push(this.len(11, this.message([this.fixed64Field(1, 0n), this.str(2, e)])));
    if (s.status !== undefined) {
      const st: Buffer[] = [];
      if (s.status.message !== '' || this.rnd() < 0.3) st.push(this.str(2, s.status.message));
      if (s.status.code !== 0 || this.rnd() < 0.3) st.push(this.varintField(3, BigInt(s.status.code)));
      f.push(this.len(15, this.message(st)));
    }
    return this.message(f);
  }

  private keyValue(kv: FuzzKeyValue): Buffer {
    const f = [this.str(1, kv.key)];
    if (kv.value !== undefined) f.push(this.len(2, this.anyValue(kv.value)));
    return this.message(f);
  }

  private anyValue(v: FuzzAnyValue): Buffer {
    if ('empty' in v) return this.message([]);
    if ('string' in v) return this.message([this.str(1, v.string)]);
    if ('bool' in v) return this.message([this.varintField(2, v.bool ? 1n : 0n)]);
    if ('int' in v) return this.message([this.varintField(3, BigInt.asUintN(64, v.int))]);
    if ('double' in v) {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v.double);
      return this.message([this.field(4, 1, b, 'fixed')]);
    }
    if ('bytes' in v) return this.message([this.bytesField(7, v.bytes)]);
    if ('array' in v) return this.message([this.len(5, this.message(v.array.map((x) => this.len(1, this.anyValue(x)))))]);
    return this.message([this.len(6, this.message(v.kvlist.map((kv) => this.len(1, this.keyValue(kv)))))]);
  }

  /** Joins fields, sprinkling in fields a decoder must skip. */
  private message(fields: Buffer[]): Buffer {
    if (!this.options.unknownFields) return Buffer.concat(fields);
    const out: Buffer[] = [];
    for (const f of fields) {
      if (this.rnd() < 0.15) out.push(this.unknownField());
      out.push(f);
    }
    if (this.rnd() < 0.15) out.push(this.unknownField());
    return Buffer.concat(out);
  }

  private unknownField(): Buffer {
    // Numbers 20+ are unused at every level of the trace messages.
    const num = 20 + Math.floor(this.rnd() * 2000);
    const kind = Math.floor(this.rnd() * 5);
    if (kind === 4) return this.group(num, Math.floor(this.rnd() * 3));
    if (kind === 0) return this.field(num, 0, varint(BigInt(Math.floor(this.rnd() * 2 ** 40))), 'varint');
    if (kind === 1) return this.field(num, 1, Buffer.alloc(8, 7), 'fixed');
    if (kind === 2) return this.field(num, 5, Buffer.alloc(4, 9), 'fixed');
    return this.field(num, 2, Buffer.from('skip me'), 'len');
  }

  /** A group (wire types 3 and 4, proto2's deprecated encoding) holding a varint and `depth` nested groups. */
  private group(num: number, depth: number): Buffer {
    const inner = depth > 0 ? this.group(num + 1, depth - 1) : Buffer.alloc(0);
    const start = this.varintBytes(BigInt((num << 3) | 3));
    const end = this.varintBytes(BigInt((num << 3) | 4));
    return Buffer.concat([start, this.varintBytes(BigInt((1 << 3) | 0)), this.varintBytes(7n), inner, end]);
  }

  private str(num: number, s: string): Buffer {
    return this.field(num, 2, Buffer.from(s, 'utf8'), 'len');
  }

  private bytesField(num: number, b: Uint8Array): Buffer {
    return this.field(num, 2, Buffer.from(b), 'len');
  }

  private len(num: number, payload: Buffer): Buffer {
    return this.field(num, 2, payload, 'len');
  }

  private varintField(num: number, v: bigint): Buffer {
    return this.field(num, 0, this.varintBytes(v), 'varint');
  }

  private fixed64Field(num: number, v: bigint): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, v));
    return this.field(num, 1, b, 'fixed');
  }

  private varintBytes(v: bigint): Buffer {
    const canonical = varint(v);
    if (!this.options.paddedVarints || canonical.length >= 10 || this.rnd() < 0.5) return canonical;
    return padVarint(canonical, canonical.length + Math.floor(this.rnd() * (11 - canonical.length)));
  }

  private field(num: number, wire: Wire, payload: Buffer, kind: 'len' | 'varint' | 'fixed'): Buffer {
    const index = this.fieldsWritten++;
    const fault = index === this.faultIndex ? this.options.fault : undefined;
    if (fault === undefined) {
      const tag = this.varintBytes(BigInt((num << 3) | wire));
      return kind === 'len' ? Buffer.concat([tag, this.varintBytes(BigInt(payload.length)), payload]) : Buffer.concat([tag, payload]);
    }
    const amount = fault.amount;
    const tag = varint(BigInt((num << 3) | wire));
    const lenOf = (n: number): Buffer => (kind === 'len' ? varint(BigInt(n)) : Buffer.alloc(0));
    switch (fault.kind) {
      case 'length-overrun':
        return Buffer.concat([tag, kind === 'len' ? varint(BigInt(payload.length + 1 + (amount % 64))) : Buffer.alloc(0), payload]);
      case 'length-short':
        return Buffer.concat([tag, kind === 'len' ? varint(BigInt(Math.max(0, payload.length - 1 - (amount % 8)))) : Buffer.alloc(0), payload]);
      case 'length-huge':
        return Buffer.concat([tag, varint([2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n][amount % 5]!), payload]);
      case 'wire-type': {
        const others = [0, 1, 2, 3, 4, 5, 6, 7].filter((w) => w !== wire);
        return Buffer.concat([varint(BigInt((num << 3) | others[amount % others.length]!)), lenOf(payload.length), payload]);
      }
      case 'overlong-varint':
        // 11+ bytes: longer than any valid varint.
        return Buffer.concat([padVarint(tag, 11 + (amount % 6)), lenOf(payload.length), payload]);
      case 'unterminated-varint':
        return Buffer.concat([tag, Buffer.alloc(1 + (amount % 12), 0xff)]);
      case 'field-zero':
        return Buffer.concat([varint(BigInt(wire)), lenOf(payload.length), payload]);
      case 'truncate-inside': {
        const whole = Buffer.concat([tag, lenOf(payload.length), payload]);
        // A marker the outer encoder can find (this field's bytes are copied verbatim into its parents).
        this.marker = whole;
        return whole;
      }
    }
  }
}

/** Canonical unsigned varint of a 64-bit value. */
export function varint(v: bigint): Buffer {
  const bytes: number[] = [];
  let x = BigInt.asUintN(64, v);
  while (x >= 0x80n) {
    bytes.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  bytes.push(Number(x));
  return Buffer.from(bytes);
}

/** The same value in `length` bytes by adding zero continuation groups (valid up to 10 bytes). */
export function padVarint(canonical: Buffer, length: number): Buffer {
  if (length <= canonical.length) return canonical;
  const out = Buffer.alloc(length, 0x80);
  canonical.copy(out);
  out[canonical.length - 1] = canonical[canonical.length - 1]! | 0x80;
  out[length - 1] = 0x00;
  return out;
}

/** A small deterministic PRNG (mulberry32) for layout choices. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
