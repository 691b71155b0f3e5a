import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { defaultNormalizeOptions, validateNormalizeOptions, type NormalizeOptions } from '../normalize/index.js';
import { parseModelAliases } from '../reconcile/model-key.js';

/*
 * One typed, validated configuration object, built from environment variables and CLI flags
 * (flags win). Each field names its variable, its flag and its default; the README's
 * configuration table is this list.
 */

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
/** Node fires a longer timer after 1 ms (TimeoutOverflowWarning): inserts or queries back to back. */
const MAX_TIMER_MS = 2_147_483_647;
const timerMs = positiveInt.max(MAX_TIMER_MS, `at most ${MAX_TIMER_MS} ms (Node's longest timer)`);
const timerMsOrOff = nonNegativeInt.max(MAX_TIMER_MS, `at most ${MAX_TIMER_MS} ms (Node's longest timer)`);
/**
 * 50 years: a TTL of start + N months must stay inside ClickHouse's DateTime (UInt32 seconds,
 * to 2106). Past it the sum wraps to a date in the past and every row is deleted on insert.
 */
const MAX_RETENTION_MONTHS = 600;
const retentionMonths = positiveInt.max(MAX_RETENTION_MONTHS, `at most ${MAX_RETENTION_MONTHS} months (50 years): ClickHouse's DateTime ends in 2106, and a TTL past it wraps into the past`);
const optionalText = z.string().min(1).optional();

/** Every setting: environment variable, CLI flag, default, meaning, schema. */
export const CONFIG_FIELDS = {
  port: { env: 'PNL_PORT', flag: 'port', default: 4318, doc: 'HTTP port (OTLP/HTTP standard port).', schema: port },
  host: { env: 'PNL_HOST', flag: 'host', default: '127.0.0.1', doc: 'Address to bind. Use 0.0.0.0 only behind access control.', schema: z.string().min(1) },
  auth: { env: 'PNL_AUTH', flag: 'auth', default: 'auto', doc: 'Access control: auto (on when PNL_HOST is not loopback or tokens are configured), on, or off (only behind a gateway that authenticates).', schema: z.enum(['auto', 'on', 'off']) },
  tokensFile: { env: 'PNL_TOKENS_FILE', flag: 'tokens-file', default: undefined, doc: 'YAML file of access tokens: tokens: [{name, role, sha256}] with role ingest, viewer, finance or admin. See README, Access control.', schema: optionalText },
  tokens: { env: 'PNL_TOKENS', flag: undefined, default: undefined, doc: 'Access tokens as role:name:token items separated by commas (environment only, never a flag).', schema: optionalText },
  dataDir: { env: 'PNL_DATA_DIR', flag: 'data-dir', default: './data', doc: 'Data directory: the embedded ClickHouse (when CLICKHOUSE_URL is unset), the write-ahead spool (unless PNL_SPOOL_DIR is set) and the hash-salt file (unless PNL_HASH_SALT is set), so it is used with a ClickHouse server too.', schema: z.string().min(1) },
  clickhouseUrl: { env: 'CLICKHOUSE_URL', flag: 'clickhouse-url', default: undefined, doc: 'ClickHouse server HTTP URL (e.g. http://localhost:8123). Unset = embedded chdb.', schema: z.url().optional() },
  clickhouseUser: { env: 'CLICKHOUSE_USER', flag: 'clickhouse-user', default: undefined, doc: 'ClickHouse user for CLICKHOUSE_URL.', schema: optionalText },
  clickhousePassword: { env: 'CLICKHOUSE_PASSWORD', flag: undefined, default: undefined, doc: 'ClickHouse password (environment only, never a flag).', schema: optionalText },
  clickhouseCluster: { env: 'CLICKHOUSE_CLUSTER', flag: 'clickhouse-cluster', default: undefined, doc: 'ClickHouse cluster name (as in remote_servers, or {cluster}): migrations are applied ON CLUSTER as Replicated tables behind Distributed ones. Needs CLICKHOUSE_URL. See docs/scaling.md.', schema: z.string().regex(/^(?:\{cluster\}|[A-Za-z_][\w.-]*)$/, 'letters, digits, "_", "-" or ".", or {cluster}').optional() },
  clickhouseWaitMs: { env: 'PNL_CLICKHOUSE_WAIT_MS', flag: 'clickhouse-wait-ms', default: 60_000, doc: 'At start, how long to wait for the ClickHouse server (CLICKHOUSE_URL) to answer /ping, retrying with backoff and logging each attempt: a server started alongside may still be starting. 0 = one attempt. The embedded engine does not wait.', schema: nonNegativeInt },
  pricesFile: { env: 'PNL_PRICES_FILE', flag: 'prices-file', default: undefined, doc: 'YAML price overrides (negotiated discounts, custom models), read at start and again on `POST /api/v1/prices/reload` or `PUT /api/v1/prices/overrides`. See docs/pricing.md.', schema: optionalText },
  maxBodyBytes: { env: 'PNL_MAX_BODY_BYTES', flag: 'max-body-bytes', default: 16 * 1024 * 1024, doc: 'Largest OTLP request body, checked before and after decompression (413 above).', schema: positiveInt },
  maxConcurrentRequests: { env: 'PNL_MAX_CONCURRENT_REQUESTS', flag: 'max-concurrent-requests', default: 64, doc: 'OTLP requests read and ingested at once; more are answered 429 with Retry-After, keeping /metrics and /healthz responsive.', schema: positiveInt },
  maxRssBytes: { env: 'PNL_MAX_RSS_BYTES', flag: 'max-rss-bytes', default: 4 * 1024 ** 3, doc: 'Memory ceiling (resident set, embedded engine included); above it /v1/traces answers 503 with Retry-After. 0 turns the check off.', schema: z.coerce.number().int().min(0) },
  ingestWorkers: { env: 'PNL_INGEST_WORKERS', flag: 'ingest-workers', default: 1, doc: 'Worker threads that decode, normalize, price and encode OTLP requests, leaving the main thread to HTTP, dedup, the spool and metrics; 0 does it all on the main thread. Off (0) while the token double-entry check is on.', schema: nonNegativeInt.max(16) },
  batchMaxRows: { env: 'PNL_BATCH_MAX_ROWS', flag: 'batch-max-rows', default: 50_000, doc: 'Rows per ClickHouse insert.', schema: positiveInt },
  batchMaxDelayMs: { env: 'PNL_BATCH_MAX_DELAY_MS', flag: 'batch-max-delay-ms', default: 1000, doc: 'Longest wait before pending rows are inserted.', schema: timerMs },
  batchIdleMs: { env: 'PNL_BATCH_IDLE_MS', flag: 'batch-idle-ms', default: 250, doc: 'Insert pending rows once no request arrived for this long, if at least 1,000 are pending (the end of a burst is committed at once, not after the longest wait). Sooner when requests have been coming faster: after 8 times their mean gap, at least 20 ms. Longer than the 200 ms batch timeout of an OpenTelemetry Collector, so steady traffic still gets about one insert per PNL_BATCH_MAX_DELAY_MS; 0 = off.', schema: timerMsOrOff },
  bufferMaxRows: { env: 'PNL_BUFFER_MAX_ROWS', flag: 'buffer-max-rows', default: 500_000, doc: 'Rows of waiting batches held in memory; beyond it (a ClickHouse outage) batches wait in the spool on disk only.', schema: positiveInt },
  backupDir: { env: 'PNL_BACKUP_DIR', flag: 'backup-dir', default: undefined, doc: 'Where POST /api/v1/backup writes backups, each in a new directory named by its time. Default: <PNL_DATA_DIR>/backups (put it on another disk for a real backup).', schema: optionalText },
  spoolDir: { env: 'PNL_SPOOL_DIR', flag: 'spool-dir', default: undefined, doc: 'Write-ahead spool: accepted rows are written here before the sender is answered and kept until ClickHouse commits them. Default: <PNL_DATA_DIR>/spool. One exporter per directory.', schema: optionalText },
  spoolMaxBytes: { env: 'PNL_SPOOL_MAX_BYTES', flag: 'spool-max-bytes', default: 2 * 1024 ** 3, doc: 'Largest spool on disk (about 0.65 KB per LLM call); when full, /v1/traces answers 503 with Retry-After.', schema: positiveInt },
  spoolFsync: { env: 'PNL_SPOOL_FSYNC', flag: 'spool-fsync', default: false, doc: 'fdatasync every spool append before answering: survives power loss, not just a crash of the process; slower.', schema: z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]) },
  readySpoolBytes: { env: 'PNL_READY_SPOOL_BYTES', flag: 'ready-spool-bytes', default: 256 * 1024 ** 2, doc: '/readyz answers 503 while the spool holds more than this (ClickHouse is behind), so a load balancer can prefer other replicas.', schema: positiveInt },
  topCustomers: { env: 'PNL_METRICS_TOP_CUSTOMERS', flag: 'top-customers', default: 50, doc: 'Customers with their own metric label (top N by spend); the rest are "__other__".', schema: positiveInt },
  metricsMaxLabelValues: { env: 'PNL_METRICS_MAX_LABEL_VALUES', flag: 'metrics-max-label-values', default: 500, doc: 'Distinct values each of the feature, provider, model, agent, reason and outcome labels takes; later ones are "__other__" (a flood of names from spans cannot flood Prometheus).', schema: positiveInt },
  rankingRefreshMs: { env: 'PNL_METRICS_REFRESH_MS', flag: 'metrics-refresh-ms', default: 60_000, doc: 'How often the top-N customer ranking is refreshed from ClickHouse.', schema: timerMs },
  dedupMaxKeys: { env: 'PNL_DEDUP_MAX_KEYS', flag: 'dedup-max-keys', default: 1_000_000, doc: 'Span keys remembered to drop re-delivered spans (about 80 bytes each).', schema: positiveInt.max(100_000_000, 'at most 100,000,000 keys (about 8 GB of tables)') },
  dedupWindowHours: { env: 'PNL_DEDUP_WINDOW_HOURS', flag: 'dedup-window-hours', default: 24, doc: 'At start, keys of spans stored in this many past hours are reloaded from ClickHouse (the newest PNL_DEDUP_MAX_KEYS / 2 of them at most).', schema: positiveInt.max(24 * 366, 'at most a year of hours') },
  attributionAliases: { env: 'PNL_ATTRIBUTION_ALIASES', flag: 'attribution-aliases', default: undefined, doc: 'JSON object: extra attribute keys read as our pnl.* keys, e.g. {"pnl.customer.id":["tenant.id"]}.', schema: optionalText },
  cacheInclusion: { env: 'PNL_CACHE_INCLUSION', flag: 'cache-inclusion', default: undefined, doc: 'JSON array overriding whether an emitter\'s input tokens include cached tokens, e.g. [{"scope":"my-llm-lib","includesCache":false}].', schema: optionalText },
  storedAttributes: { env: 'PNL_STORED_ATTRIBUTES', flag: 'stored-attributes', default: undefined, doc: 'Comma-separated span attribute keys stored with each call, besides the built-in allowlist. Prompt and completion keys are never stored, whatever is listed.', schema: optionalText },
  hashSalt: { env: 'PNL_HASH_SALT', flag: undefined, default: undefined, doc: 'Secret (16+ characters) keying the HMAC applied to end-user ids before storage (environment only). Unset: a random salt kept in <PNL_DATA_DIR>/hash-salt. Give every replica the same one.', schema: z.string().min(16, 'must be at least 16 characters, e.g. the output of "openssl rand -hex 16"').optional() },
  retentionRawMonths: { env: 'PNL_RETENTION_RAW_MONTHS', flag: 'retention-raw-months', default: 24, doc: 'Months raw rows (calls, runs, outcomes, audit log) are kept (ClickHouse TTL, applied at start); spans that started earlier are refused (`invalid_time`); at most 600.', schema: retentionMonths },
  retentionAggregateMonths: { env: 'PNL_RETENTION_AGGREGATE_MONTHS', flag: 'retention-aggregate-months', default: 13, doc: 'Months the daily aggregates are kept (ClickHouse TTL, applied at start); at most 600.', schema: retentionMonths },
  tierPrices: { env: 'PNL_TIER_PRICES', flag: 'tier-prices', default: undefined, doc: 'JSON object: subscription tier -> monthly price in USD, used as revenue where none is recorded, e.g. {"pro":99,"enterprise":999}.', schema: optionalText },
  marginTargetPct: { env: 'PNL_MARGIN_TARGET_PCT', flag: 'margin-target-pct', default: 50, doc: 'Gross margin target in percent, above 0 and at most 100; customers below it are flagged.', schema: z.coerce.number().gt(0, 'must be above 0: the risk score measures how far below the target a margin is, as a share of it').max(100) },
  unitCostTargets: { env: 'PNL_UNIT_COST_TARGETS', flag: 'unit-cost-targets', default: undefined, doc: 'JSON object: feature -> planned LLM cost per successful outcome in USD; 30% over it is an anomaly, e.g. {"support-chat":0.05}.', schema: optionalText },
  otlpMetricsUrl: { env: 'PNL_OTLP_METRICS_URL', flag: 'otlp-metrics-url', default: undefined, doc: 'Also push the metrics of /metrics to this OTLP/HTTP endpoint (JSON), e.g. http://collector:4318/v1/metrics, for pipelines without a Prometheus scrape. OTEL_EXPORTER_OTLP_METRICS_HEADERS (and _TIMEOUT, _COMPRESSION) apply. Unset = no push.', schema: z.url().optional() },
  otlpMetricsIntervalMs: { env: 'PNL_OTLP_METRICS_INTERVAL_MS', flag: 'otlp-metrics-interval-ms', default: 60_000, doc: 'How often the metrics are pushed to PNL_OTLP_METRICS_URL.', schema: timerMs },
  pnlRefreshMs: { env: 'PNL_PNL_REFRESH_MS', flag: 'pnl-refresh-ms', default: 30_000, doc: 'How often the P&L gauges (revenue, margin, risk, budgets, forecast) are recomputed from ClickHouse.', schema: timerMs },
  invoiceTolerancePct: { env: 'PNL_INVOICE_TOLERANCE_PCT', flag: 'invoice-tolerance-pct', default: 2, doc: 'Invoice reconciliation tolerance in percent: a day, provider and model whose rated cost differs from the imported invoice by more than this is flagged and alerted (InvoiceVarianceHigh). See docs/reconciliation.md.', schema: z.coerce.number().min(0).max(100) },
  invoiceModelAliases: { env: 'PNL_INVOICE_MODEL_ALIASES', flag: 'invoice-model-aliases', default: undefined, doc: 'JSON object: model name as an invoice or a span writes it -> name to match it as, where the automatic matching misses, e.g. {"claude-sonnet-4-0":"claude-sonnet-4"}. See docs/reconciliation.md.', schema: optionalText.refine((v) => parseModelAliases(v) !== undefined, 'must be a JSON object of model name to model name') },
  tokenCheckSample: { env: 'PNL_TOKEN_CHECK_SAMPLE', flag: 'token-check-sample', default: 0, doc: 'Share (0..1) of LLM calls whose reported tokens are checked against a tiktoken count of their captured text (needs content capture in the emitter). 0 turns the check off. See docs/token-checks.md.', schema: z.coerce.number().min(0).max(1) },
  tokenCheckTolerancePct: { env: 'PNL_TOKEN_CHECK_TOLERANCE_PCT', flag: 'token-check-tolerance-pct', default: 10, doc: 'Deviation in percent between reported and estimated tokens beyond which an emitter is flagged (at least 50 for non-OpenAI models, whose tokenizer is only approximated).', schema: z.coerce.number().positive().max(1000) },
  logLevel: { env: 'PNL_LOG_LEVEL', flag: 'log-level', default: 'info', doc: 'debug, info, warn, error or silent.', schema: z.enum(['debug', 'info', 'warn', 'error', 'silent']) },
} as const;

type Fields = typeof CONFIG_FIELDS;
/** The validated configuration. */
export type PnlConfig = { [K in keyof Fields]: z.infer<Fields[K]['schema']> extends infer T ? (undefined extends T ? T : Exclude<T, undefined>) : never };

/**
 * Builds the configuration from the environment and CLI flags (flag names as in
 * CONFIG_FIELDS, camelCase keys as commander gives them). Throws ConfigError listing every
 * invalid value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: Record<string, unknown> = {}): PnlConfig {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(CONFIG_FIELDS) as Array<[keyof Fields, Fields[keyof Fields]]>) {
    const flagValue = field.flag ? flags[camel(field.flag)] : undefined;
    const envValue = env[field.env];
    const raw = flagValue ?? (envValue === '' ? undefined : envValue) ?? field.default;
    const parsed = (field.schema as z.ZodType).safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else {
      const where = flagValue !== undefined ? `--${field.flag}` : field.env;
      problems.push(`${where}=${JSON.stringify(raw)}: ${parsed.error.issues.map((i) => i.message).join(', ')} (${field.doc})`);
    }
  }
  for (const key of ['attributionAliases', 'cacheInclusion', 'tierPrices', 'unitCostTargets'] as const) {
    const text = out[key];
    if (typeof text === 'string') {
      try {
        JSON.parse(text);
      } catch (err) {
        problems.push(`${CONFIG_FIELDS[key].env}: not valid JSON (${(err as Error).message})`);
      }
    }
  }
  problems.push(...jsonShapeProblems(out, problems));
  if (typeof out['tierPrices'] === 'string' && !problems.some((p) => p.startsWith('PNL_TIER_PRICES'))) {
    const prices = JSON.parse(out['tierPrices']) as unknown;
    const ok = typeof prices === 'object' && prices !== null && !Array.isArray(prices) && Object.values(prices).every((v) => typeof v === 'number' && v >= 0);
    if (!ok) problems.push('PNL_TIER_PRICES: must be a JSON object of tier name to a non-negative monthly price, e.g. {"pro":99}');
  }
  if (out['clickhouseCluster'] !== undefined && out['clickhouseUrl'] === undefined) {
    problems.push('CLICKHOUSE_CLUSTER: needs CLICKHOUSE_URL (a cluster is ClickHouse servers; the embedded engine is one process)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as PnlConfig;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The JSON settings the normalizer and the anomaly detector read, checked for shape here: they
 * were only checked as JSON, and the normalizer validated its options on the first span, so a
 * wrong alias answered every OTLP request 500 (which senders drop) while /readyz said 200.
 */
function jsonShapeProblems(out: Record<string, unknown>, earlier: readonly string[]): string[] {
  const problems: string[] = [];
  const parsed = (key: 'attributionAliases' | 'cacheInclusion' | 'unitCostTargets'): unknown => {
    const text = out[key];
    return typeof text === 'string' && !earlier.some((p) => p.startsWith(CONFIG_FIELDS[key].env)) ? JSON.parse(text) : undefined;
  };
  const aliases = parsed('attributionAliases');
  const inclusion = parsed('cacheInclusion');
  const targets = parsed('unitCostTargets');
  if (aliases !== undefined && (!isObject(aliases) || !Object.values(aliases).every((l) => Array.isArray(l)))) {
    problems.push('PNL_ATTRIBUTION_ALIASES: must be a JSON object of pnl.* key to a list of attribute keys, e.g. {"pnl.customer.id":["tenant.id"]}');
  } else if (inclusion !== undefined && !Array.isArray(inclusion)) {
    problems.push('PNL_CACHE_INCLUSION: must be a JSON array of rules, e.g. [{"scope":"my-llm-lib","includesCache":false}]');
  } else if (aliases !== undefined || inclusion !== undefined) {
    const options = { ...defaultNormalizeOptions(), aliases: (aliases ?? {}) as NormalizeOptions['aliases'], cacheInclusion: (inclusion ?? []) as NormalizeOptions['cacheInclusion'] };
    for (const p of validateNormalizeOptions(options)) problems.push(`${p.startsWith('aliases') ? 'PNL_ATTRIBUTION_ALIASES' : 'PNL_CACHE_INCLUSION'}: ${p}`);
  }
  if (targets !== undefined && (!isObject(targets) || !Object.values(targets).every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0))) {
    problems.push('PNL_UNIT_COST_TARGETS: must be a JSON object of feature to a cost per outcome in USD above 0, e.g. {"support-chat":0.05}');
  }
  return problems;
}

/** PNL_TIER_PRICES as tier -> monthly USD ({} when unset); loadConfig has checked its shape. */
export function tierMonthlyPrices(config: Pick<PnlConfig, 'tierPrices'>): Record<string, number> {
  return config.tierPrices !== undefined ? (JSON.parse(config.tierPrices) as Record<string, number>) : {};
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
