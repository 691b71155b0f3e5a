import type { Attributes } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Attribution } from './attribution-builder.js';
import type { BudgetGuardOptions } from './budget-guard.js';
import { MIN_SALT_LENGTH } from './hash-personal-value.js';
import { validateAttributionKey, validateValue } from './validate-attribution.js';

/** Options for `startAgenticPnl()`. Every field is optional. */
export interface AgenticPnlOptions {
  /** `service.name` of this process. Default: `OTEL_SERVICE_NAME`, else the SDK default. */
  serviceName?: string;
  /** Instrumentations to enable, e.g. `new OpenAIInstrumentation()`. Default none. */
  instrumentations?: (Instrumentation | Instrumentation[])[];
  /**
   * Export spans in-process to this exporter (e.g. the agentic-pnl exporter's SpanExporter)
   * instead of OTLP. Default: OTLP/HTTP protobuf to the service.
   */
  exporter?: SpanExporter;
  /**
   * Full OTLP traces URL. Default: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`.
   */
  otlpUrl?: string;
  /** Extra OTLP request headers, e.g. an ingest token. Default: `OTEL_EXPORTER_OTLP_HEADERS`. */
  otlpHeaders?: Record<string, string>;
  /** Salt for hashing personal values (at least 16 characters). Default: `AGENTIC_PNL_HASH_SALT`. */
  hashSalt?: string;
  /** Attribution for spans whose context has none for a key, e.g. the environment. Default none. */
  defaultAttribution?: Attribution;
  /**
   * Budget guard settings behind `budgetState()`. `serviceUrl` default:
   * `AGENTIC_PNL_SERVICE_URL`, else the origin of `OTEL_EXPORTER_OTLP_ENDPOINT`, else
   * `http://localhost:4318`; token default `AGENTIC_PNL_TOKEN`.
   */
  budget?: Partial<Omit<BudgetGuardOptions, 'fetch' | 'logger'>>;
  /** More span processors, run after attribution and before export. Default none. */
  spanProcessors?: SpanProcessor[];
  /** Extra resource attributes, e.g. `service.version`. Default none. */
  resourceAttributes?: Attributes;
  /** Batch export tuning. Default: the `OTEL_BSP_*` variables, else the SDK defaults. */
  batch?: {
    maxQueueSize?: number;
    maxExportBatchSize?: number;
    scheduledDelayMillis?: number;
    exportTimeoutMillis?: number;
  };
}

/** Returns every problem with the options (empty when valid), each saying what to change. */
export function validateSetupOptions(options: AgenticPnlOptions): string[] {
  const problems: string[] = [];
  if (options.serviceName !== undefined && (typeof options.serviceName !== 'string' || options.serviceName.trim() === '')) {
    problems.push('serviceName must be a non-empty string.');
  }
  if (options.instrumentations !== undefined && !Array.isArray(options.instrumentations)) {
    problems.push('instrumentations must be an array, e.g. [new OpenAIInstrumentation()].');
  }
  if (options.exporter !== undefined && (typeof options.exporter?.export !== 'function' || typeof options.exporter?.shutdown !== 'function')) {
    problems.push('exporter must be a SpanExporter (an object with export() and shutdown()).');
  }
  if (options.exporter !== undefined && options.otlpUrl !== undefined) {
    problems.push('exporter and otlpUrl are both set; pass one: exporter for in-process export, otlpUrl for OTLP.');
  }
  if (options.otlpUrl !== undefined && !isHttpUrl(options.otlpUrl)) {
    problems.push(`otlpUrl ${JSON.stringify(options.otlpUrl)} is not an http(s) URL; use e.g. http://localhost:4318/v1/traces.`);
  }
  if (options.hashSalt !== undefined && (typeof options.hashSalt !== 'string' || options.hashSalt.length < MIN_SALT_LENGTH)) {
    problems.push(`hashSalt must be at least ${MIN_SALT_LENGTH} characters; generate one with \`openssl rand -hex 16\`.`);
  }
  for (const [key, value] of Object.entries(options.defaultAttribution ?? {})) {
    try {
      validateAttributionKey(key);
      validateValue(key, value);
    } catch (error) {
      problems.push(`defaultAttribution: ${(error as Error).message}`);
    }
  }
  const budget = options.budget ?? {};
  if (budget.serviceUrl !== undefined && !isHttpUrl(budget.serviceUrl)) {
    problems.push(`budget.serviceUrl ${JSON.stringify(budget.serviceUrl)} is not an http(s) URL; use e.g. http://localhost:4318.`);
  }
  for (const field of ['ttlMs', 'unknownTtlMs', 'timeoutMs', 'maxEntries'] as const) {
    const value = budget[field];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      problems.push(`budget.${field} must be a non-negative number of ${field === 'maxEntries' ? 'entries' : 'milliseconds'}.`);
    }
  }
  for (const processor of options.spanProcessors ?? []) {
    if (typeof processor?.onStart !== 'function' || typeof processor?.onEnd !== 'function') {
      problems.push('spanProcessors must contain SpanProcessor objects (with onStart() and onEnd()).');
      break;
    }
  }
  return problems;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
