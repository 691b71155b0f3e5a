/** Environment variable naming the agentic-pnl service base URL for the budget API. */
export const SERVICE_URL_ENV = 'AGENTIC_PNL_SERVICE_URL';
/** Environment variable holding the bearer token for the service API. */
export const SERVICE_TOKEN_ENV = 'AGENTIC_PNL_TOKEN';

/**
 * The service base URL: `AGENTIC_PNL_SERVICE_URL`, else the origin of
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (the service takes OTLP and serves its API on one port),
 * else `http://localhost:4318`.
 */
export function serviceUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[SERVICE_URL_ENV];
  if (explicit) return explicit;
  const otlp = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (otlp) {
    try {
      return new URL(otlp).origin;
    } catch {
      // An invalid endpoint is reported by the OTLP exporter; fall through to the default.
    }
  }
  return 'http://localhost:4318';
}
