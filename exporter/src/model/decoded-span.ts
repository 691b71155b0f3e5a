/** An OTLP attribute value after decoding. Arrays keep their element values; kvlists become plain objects. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };

/** Attributes keyed by their OTLP key. Later duplicates of a key win, as in the SDKs. */
export type Attributes = Record<string, AttrValue>;

/** OTLP span status code (opentelemetry-proto `Status.StatusCode`). */
export const enum SpanStatusCode {
  Unset = 0,
  Ok = 1,
  Error = 2,
}

/**
 * One span as received over OTLP, independent of the wire format (protobuf or JSON).
 * Times are integer microseconds since the Unix epoch: exact in a JS number, and the
 * precision ClickHouse stores (`DateTime64(6)`).
 */
export interface DecodedSpan {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters. */
  spanId: string;
  /** 16 lowercase hex characters, or '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP `SpanKind`: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUs: number;
  endTimeUs: number;
  statusCode: SpanStatusCode;
  statusMessage: string;
  attributes: Attributes;
  /** Resource attributes, shared by every span of one ResourceSpans (do not mutate). */
  resource: Attributes;
  scopeName: string;
  scopeVersion: string;
  /** Names of span events (e.g. `exception`); their attributes are not kept. */
  eventNames: string[];
}
