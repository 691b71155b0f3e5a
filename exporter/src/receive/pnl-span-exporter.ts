import { context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { loadConfig, type PnlConfig } from '../config/config.js';
import { createLogger } from '../log/logger.js';
import type { Attributes } from '../model/decoded-span.js';
import { BufferFullError } from '../pipeline/buffer-full-error.js';
import { IngestCore } from '../service/ingest-core.js';
import { SpoolError } from '../spool/spool-error.js';
import { readableSpanToDecoded } from './readable-span-to-decoded.js';

/** How long forceFlush waits for ClickHouse, as the SDK's BatchSpanProcessor waits for an export. */
const DEFAULT_FLUSH_TIMEOUT_MS = 30_000;

/**
 * An OpenTelemetry SpanExporter that prices and stores LLM spans in this process, with no
 * separate service: the same pipeline as `POST /v1/traces` (normalize, dedupe, rate, store,
 * metrics). Pass it to a BatchSpanProcessor. Configuration is read from the same environment
 * variables as the service, overridden by `config`.
 *
 * @example
 * const exporter = new PnlSpanExporter({ dataDir: './data' });
 * const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
 */
export class PnlSpanExporter implements SpanExporter {
  private readonly core: Promise<IngestCore>;
  private readonly resources = new WeakMap<object, Attributes>();
  private shuttingDown: Promise<void> | undefined;

  constructor(config: Partial<PnlConfig> = {}) {
    const full = { ...loadConfig(), ...config };
    this.core = IngestCore.start(full, createLogger(full.logLevel));
    // Surface start-up failures on export, not as an unhandled rejection.
    this.core.catch(() => undefined);
  }

  /** The running ingest core (store, metrics, price book), e.g. to read metrics or query ClickHouse. */
  ready(): Promise<IngestCore> {
    return this.core;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.shuttingDown !== undefined) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('PnlSpanExporter is shut down') });
      return;
    }
    this.core.then(
      (core) => {
        try {
          // Suppressed so that the exporter's own ClickHouse traffic (HTTP in remote mode) is never traced back into it.
          context.with(suppressTracing(context.active()), () =>
            core.pipeline.ingest(spans.map((s) => readableSpanToDecoded(s, this.resources))),
          );
          resultCallback({ code: ExportResultCode.SUCCESS });
        } catch (err) {
          // Counted like the OTLP route counts them: the SDK does not retry a failed export, so these spans are gone.
          const reason = err instanceof BufferFullError ? 'spool_full' : err instanceof SpoolError ? 'spool_error' : 'internal_error';
          core.metrics.recordRejected(reason, spans.length);
          core.logger.warn('PnlSpanExporter: spans refused', { reason, spans: spans.length, error: (err as Error).message });
          resultCallback({ code: ExportResultCode.FAILED, error: err as Error });
        }
      },
      (err: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: err as Error }),
    );
  }

  /**
   * Writes buffered rows to ClickHouse. Rejects after `timeoutMs` if ClickHouse has not taken
   * them (it is down or refusing): the rows stay in the spool and are written once it is back.
   * Without the limit a flush during an outage never returned.
   */
  async forceFlush(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS): Promise<void> {
    const core = await this.core;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const { bufferedRows } = core.writer;
        reject(new Error(`PnlSpanExporter.forceFlush: ClickHouse has not taken ${bufferedRows} buffered rows within ${timeoutMs} ms; they stay in the spool and are written when it answers (see the exporter log)`));
      }, timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([core.writer.flush(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Flushes and closes ClickHouse. Idempotent. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.core.then(
      (core) => core.close(),
      () => undefined,
    );
    return this.shuttingDown;
  }
}
