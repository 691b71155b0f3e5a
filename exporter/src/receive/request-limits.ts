import { OtlpDecodeError } from './decode-error.js';

/**
 * Most spans one OTLP request may carry. An empty span is 2 bytes of protobuf (3 of JSON) but
 * about 250 bytes and 1 µs once decoded, so a 16 MiB body of them (16 KB gzipped) held the event
 * loop for 9 s and took 2 GB of heap (found by fuzzing). Real senders batch far fewer (the SDK
 * exports 512 spans at a time, the Collector's batch processor 8,192); a larger request is
 * refused with a 400 that says to send smaller batches.
 */
export const MAX_SPANS_PER_REQUEST = 100_000;

export function tooManySpans(): OtlpDecodeError {
  return new OtlpDecodeError(`the request holds more than ${MAX_SPANS_PER_REQUEST} spans; send smaller batches`);
}
