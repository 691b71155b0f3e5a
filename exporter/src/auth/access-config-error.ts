/** The access-control configuration is unusable; lists every problem. Never contains a token. */
export class AccessConfigError extends Error {
  override readonly name = 'AccessConfigError';
  constructor(readonly problems: string[]) {
    super(`access control is misconfigured:\n  - ${problems.join('\n  - ')}`);
  }
}
