/** What was wrong with an attribution value. */
export type AttributionErrorCode =
  | 'invalid_key'
  | 'invalid_value'
  | 'missing_salt'
  | 'baggage_too_large';

/**
 * Thrown when attribution cannot be carried safely: a key or value breaks the baggage
 * rules, a personal value has no salt to hash with, or the baggage would exceed the
 * W3C limits and be silently truncated by propagators.
 */
export class AttributionError extends Error {
  override readonly name = 'AttributionError';

  constructor(
    /** Machine-readable reason. */
    readonly code: AttributionErrorCode,
    /** The attribution key concerned (e.g. `pnl.customer.id`), when there is one. */
    readonly key: string | undefined,
    message: string,
  ) {
    super(message);
  }
}
