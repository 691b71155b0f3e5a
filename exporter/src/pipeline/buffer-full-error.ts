/** The in-memory buffer cannot take more rows (ClickHouse is slow or down). Answered with 503 + Retry-After. */
export class BufferFullError extends Error {
  override readonly name = 'BufferFullError';
  constructor(
    readonly bufferedRows: number,
    readonly maxRows: number,
    readonly retryAfterSeconds: number,
  ) {
    super(
      `the write buffer holds ${bufferedRows} of at most ${maxRows} rows because ClickHouse is not keeping up or is unavailable; retry in ${retryAfterSeconds} s`,
    );
  }
}
