/** ClickHouse could not be reached or refused a statement. Carries what was being done. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(`ClickHouse ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
