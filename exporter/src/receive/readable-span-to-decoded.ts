import type { HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Attributes, DecodedSpan } from '../model/decoded-span.js';

/** Converts an SDK ReadableSpan to the receiver's DecodedSpan, as OTLP would have carried it. */
export function readableSpanToDecoded(span: ReadableSpan, resourceCache: WeakMap<object, Attributes>): DecodedSpan {
  const ctx = span.spanContext();
  let resource = resourceCache.get(span.resource);
  if (resource === undefined) {
    resource = { ...(span.resource.attributes as Attributes) };
    resourceCache.set(span.resource, resource);
  }
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    name: span.name,
    // The API's SpanKind starts at INTERNAL = 0; OTLP reserves 0 for UNSPECIFIED.
    kind: span.kind + 1,
    startTimeUs: hrTimeToMicros(span.startTime),
    endTimeUs: hrTimeToMicros(span.endTime),
    statusCode: span.status.code as number,
    statusMessage: span.status.message ?? '',
    attributes: span.attributes as Attributes,
    resource,
    scopeName: span.instrumentationScope.name,
    scopeVersion: span.instrumentationScope.version ?? '',
    eventNames: span.events.map((e) => e.name),
  };
}

function hrTimeToMicros(t: HrTime): number {
  return t[0] * 1_000_000 + Math.floor(t[1] / 1000);
}
