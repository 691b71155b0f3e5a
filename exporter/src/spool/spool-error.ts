/** The spool directory cannot be used (not writable, disk full, locked by another process). */
export class SpoolError extends Error {
  override readonly name = 'SpoolError';
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
