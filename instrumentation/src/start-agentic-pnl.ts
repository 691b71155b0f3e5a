import { context, propagation, trace } from '@opentelemetry/api';
import { getNumberFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { AttributionSpanProcessor } from './attribution-span-processor.js';
import type { BudgetGuard } from './budget-guard.js';
import { configureBudgetGuard } from './default-budget-guard.js';
import { setHashSalt } from './hash-personal-value.js';
import { jsonLineLogger } from './logger.js';
import { SetupError } from './setup-error.js';
import { validateSetupOptions, type AgenticPnlOptions } from './setup-options.js';

/** A running agentic-pnl setup, returned by {@link startAgenticPnl}. */
export interface AgenticPnl {
  /** The guard behind `budgetState()`. */
  readonly budgetGuard: BudgetGuard;
  /** Exports every span ended so far; resolves when the exporter has them. */
  forceFlush(): Promise<void>;
  /**
   * Flushes pending spans, shuts the SDK down, disables the instrumentations and releases
   * the global tracer, context and propagation registrations so the process can start
   * again. Safe to call more than once: later calls return the first call's promise.
   */
  shutdown(): Promise<void>;
}

let running: AgenticPnl | undefined;

/**
 * One-call setup on `@opentelemetry/sdk-node`: the attribution span processor, export to
 * the agentic-pnl service over OTLP/HTTP (or to an in-process exporter), the given
 * instrumentations, W3C trace-context and baggage propagation, and the budget guard.
 * Metrics and logs are not set up (the service only takes traces), so nothing else leaves
 * the process. Call it before the instrumented libraries are loaded.
 *
 * @example
 * const pnl = startAgenticPnl({ serviceName: 'support-bot', instrumentations: [new OpenAIInstrumentation()] });
 * process.on('SIGTERM', () => void pnl.shutdown());
 * @throws SetupError listing every invalid option, or when a setup is already running.
 */
export function startAgenticPnl(options: AgenticPnlOptions = {}): AgenticPnl {
  if (running !== undefined) {
    throw new SetupError(['startAgenticPnl() is already running in this process; reuse its handle, or call shutdown() on it first.']);
  }
  const problems = validateSetupOptions(options);
  if (problems.length > 0) throw new SetupError(problems);
  if (options.hashSalt !== undefined) setHashSalt(options.hashSalt);

  const exporter =
    options.exporter ??
    new OTLPTraceExporter({
      ...(options.otlpUrl === undefined ? {} : { url: options.otlpUrl }),
      ...(options.otlpHeaders === undefined ? {} : { headers: options.otlpHeaders }),
    });
  const exportProcessor = new BatchSpanProcessor({ exporter, ...batchOptionsFromEnv(), ...options.batch });
  const instrumentations = (options.instrumentations ?? []).flat();
  const sdk = new NodeSDK({
    ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
    ...(options.resourceAttributes === undefined
      ? {}
      : { resource: defaultResource().merge(resourceFromAttributes(options.resourceAttributes)) }),
    instrumentations,
    // Attribution first: the exporting processor must see the attributes it adds.
    spanProcessors: [
      new AttributionSpanProcessor(options.defaultAttribution === undefined ? {} : { defaults: options.defaultAttribution }),
      ...(options.spanProcessors ?? []),
      exportProcessor,
    ],
    // Empty on purpose: NodeSDK would otherwise push OTLP metrics and logs the service does not take.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  warnIfBaggageNotPropagated();
  const budgetGuard = configureBudgetGuard(options.budget);

  let stopping: Promise<void> | undefined;
  const handle: AgenticPnl = {
    budgetGuard,
    forceFlush: () => exportProcessor.forceFlush(),
    shutdown: () => {
      stopping ??= stop(sdk, instrumentations).finally(() => {
        if (running === handle) running = undefined;
      });
      return stopping;
    },
  };
  running = handle;
  return handle;
}

async function stop(sdk: NodeSDK, instrumentations: Instrumentation[]): Promise<void> {
  try {
    await sdk.shutdown();
  } finally {
    for (const instrumentation of instrumentations) instrumentation.disable();
    trace.disable();
    propagation.disable();
    context.disable();
  }
}

function batchOptionsFromEnv(): Record<string, number> {
  const out: Record<string, number> = {};
  const read = (name: string, field: string): void => {
    const value = getNumberFromEnv(name);
    if (value !== undefined && value > 0) out[field] = value;
  };
  read('OTEL_BSP_MAX_QUEUE_SIZE', 'maxQueueSize');
  read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'maxExportBatchSize');
  read('OTEL_BSP_SCHEDULE_DELAY', 'scheduledDelayMillis');
  read('OTEL_BSP_EXPORT_TIMEOUT', 'exportTimeoutMillis');
  return out;
}

function warnIfBaggageNotPropagated(): void {
  const propagators = getStringListFromEnv('OTEL_PROPAGATORS');
  if (propagators !== undefined && !propagators.includes('baggage')) {
    jsonLineLogger.warn(
      'OTEL_PROPAGATORS does not include "baggage": attribution stays on this service\'s spans and does not reach downstream services; add baggage to OTEL_PROPAGATORS.',
      { otel_propagators: propagators.join(',') },
    );
  }
}
