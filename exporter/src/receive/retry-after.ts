/**
 * The longest Retry-After the service asks of an OTLP sender, in seconds. The OpenTelemetry JS
 * exporter gives one export 10 s in all (`timeoutMillis`) and gives up on the data at once when
 * told to wait longer than what is left of that (its retrying transport), so a Retry-After of
 * 10 s or more loses every batch it answers. 5 s is also that exporter's own longest backoff.
 * Senders with a longer retry budget (the Collector's 5 minutes) simply retry more often.
 */
export const MAX_RETRY_AFTER_S = 5;
