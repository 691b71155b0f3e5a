/** Where the package reports problems it must not throw (budget service down, misuse after the fact). */
export interface Logger {
  /** Something is degraded and the user should know once. */
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Default {@link Logger}: one JSON line per message on stderr, no prompt text, no secrets. */
export const jsonLineLogger: Logger = {
  warn(message, fields) {
    const line = { time: new Date().toISOString(), level: 'warn', component: '@agentic-pnl/instrumentation', msg: message, ...fields };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  },
};
