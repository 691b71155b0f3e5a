/**
 * The exporter cannot take more spans now: the spool is at its size limit (ClickHouse has been
 * down or slow for a while) or the process is overloaded. Answered with 503 + Retry-After, which
 * OTLP senders retry.
 */
export class BufferFullError extends Error {
  override readonly name = 'BufferFullError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`${message}; retry in ${retryAfterSeconds} s`);
  }
}
