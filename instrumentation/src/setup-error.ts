/**
 * Thrown by `startAgenticPnl()` when its options are invalid (listing every problem at
 * once) or when it is already running.
 */
export class SetupError extends Error {
  override readonly name = 'SetupError';

  constructor(
    /** Each problem found, one sentence each, saying what to change. */
    readonly problems: readonly string[],
  ) {
    super(`agentic-pnl setup failed:\n- ${problems.join('\n- ')}`);
  }
}
