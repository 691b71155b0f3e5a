/** What was wrong with a run, attempt or outcome call. */
export type AgentRunErrorCode = 'invalid_name' | 'invalid_run_id' | 'invalid_reason' | 'reason_on_first_attempt' | 'invalid_outcome';

/**
 * Thrown (or rejected) when an agent run, attempt or outcome is used incorrectly. These are
 * programming errors, raised before any user code runs, so they show up in development.
 */
export class AgentRunError extends Error {
  override readonly name = 'AgentRunError';

  constructor(
    /** Machine-readable reason. */
    readonly code: AgentRunErrorCode,
    message: string,
  ) {
    super(message);
  }
}
