/** The request body could not be decoded as an OTLP ExportTraceServiceRequest. Answered with HTTP 400. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
  constructor(message: string) {
    super(message);
  }
}
