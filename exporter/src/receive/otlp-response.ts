/*
 * OTLP/HTTP response bodies, in the encoding of the request as the spec requires:
 * ExportTraceServiceResponse for 200, google.rpc.Status for errors.
 */

/** Content types this receiver understands. */
export type OtlpEncoding = 'protobuf' | 'json';

export const CONTENT_TYPE: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** The media type of a Content-Type header: lower-cased, without parameters. */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The OTLP encoding a request's Content-Type names; undefined for any other type. */
export function otlpEncodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const type = mediaType(contentType);
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

/**
 * The Content-Type of an answer to a request of `encoding`: the spec says a response uses the
 * request's own. Protobuf has two names (`application/x-protobuf` and `application/protobuf`).
 */
export function responseContentType(encoding: OtlpEncoding, requestContentType: string | undefined): string {
  if (encoding === 'protobuf' && mediaType(requestContentType) === 'application/protobuf') return 'application/protobuf';
  return CONTENT_TYPE[encoding];
}

/** Body of a 200 answer: empty when everything was accepted, else `partial_success`. */
export function exportResponse(encoding: OtlpEncoding, rejected: number, message: string): Buffer {
  if (encoding === 'json') {
    const body = rejected > 0 ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } } : {};
    return Buffer.from(JSON.stringify(body));
  }
  if (rejected === 0) return Buffer.alloc(0);
  const inner = Buffer.concat([field(1, 0, varint(rejected)), field(2, 2, Buffer.from(message))]);
  return field(1, 2, inner);
}

/** Body of an error answer (google.rpc.Status: code = gRPC code, message). */
export function statusResponse(encoding: OtlpEncoding, grpcCode: number, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code: grpcCode, message }));
  return Buffer.concat([field(1, 0, varint(grpcCode)), field(2, 2, Buffer.from(message))]);
}

function field(num: number, wireType: 0 | 2, payload: Buffer): Buffer {
  const tag = varint((num << 3) | wireType);
  return wireType === 2 ? Buffer.concat([tag, varint(payload.length), payload]) : Buffer.concat([tag, payload]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}
