import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { requests } from '../bench/synthetic-spans.mjs';

/** A ready OTLP protobuf request body and the ids of its spans. */
export interface UniqueRequest {
  body: Buffer;
  spanIds: string[];
}

/** `count` protobuf request bodies of `perRequest` LLM spans each, every span with fresh ids. */
export function uniqueRequests(count: number, perRequest: number, seed = 7): UniqueRequest[] {
  return requests(count, perRequest, seed).map((spans) => ({
    body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!),
    spanIds: spans.map((s) => s.spanContext().spanId),
  }));
}

export const PROTOBUF = { 'content-type': 'application/x-protobuf' } as const;
